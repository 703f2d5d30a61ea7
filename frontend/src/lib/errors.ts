import { ApiError, NetworkError } from "../api/client";
import type { TFunction, Vars } from "../i18n/i18n";
import { ptBR, type MessageKey } from "../i18n/ptBR";

/** The dictionary key for an API error code (`errors.<code>`), if this build translates it. */
export function codeKey(code: string): MessageKey | null {
  if (!/^[a-z][a-z0-9_]*$/.test(code) || NOT_CODES.has(code)) return null;
  const key = `errors.${code}`;
  return Object.prototype.hasOwnProperty.call(ptBR, key) ? (key as MessageKey) : null;
}

const NOT_CODES = new Set(["network", "generic"]); // client-side texts under errors.*

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

function formatWait(seconds: number): string {
  return seconds >= 60 ? `${Math.ceil(seconds / 60)} min` : `${Math.max(1, Math.ceil(seconds))} s`;
}

/** Field names of a validation error's details (`[{loc: ["body", "email"], ...}]`). */
function fieldsOf(details: unknown[]): string {
  const names = details
    .map((d) => {
      const loc = (d as { loc?: unknown }).loc;
      if (!Array.isArray(loc)) return "";
      const parts = loc.filter((p) => p !== "body" && p !== "query" && p !== "path" && typeof p !== "number");
      return parts.length ? String(parts[parts.length - 1]) : "";
    })
    .filter(Boolean);
  return [...new Set(names)].join(", ");
}

/** The placeholders of `errors.<code>` texts, taken from the error's details. */
export function errorVars(details: unknown): Vars {
  const vars: Vars = {};
  if (Array.isArray(details)) {
    const fields = fieldsOf(details);
    if (fields) vars.fields = fields;
    return vars;
  }
  if (details && typeof details === "object") {
    for (const [k, v] of Object.entries(details as Record<string, unknown>)) {
      if (typeof v === "string" || typeof v === "number") vars[k] = v;
    }
    const d = details as Record<string, unknown>;
    if (typeof d.maxBytes === "number") vars.maxSize = formatBytes(d.maxBytes);
    if (typeof d.retryAfterSeconds === "number") vars.retryAfter = formatWait(d.retryAfterSeconds);
  }
  return vars;
}

function byStatus(err: ApiError, t: TFunction): string {
  if (err.status === 401) return t("errors.http.unauthorized");
  if (err.status === 403) return t("errors.http.forbidden");
  if (err.status === 404) return t("errors.http.notFound");
  if (err.status === 409) return t("errors.http.conflict");
  if (err.status === 413) return t("errors.http.tooLarge");
  if (err.status === 429) return t("errors.http.tooMany");
  if (err.status === 400 || err.status === 422) return t("errors.http.invalid");
  if (err.status >= 500) return t("errors.http.server");
  return t("errors.generic", { message: err.message });
}

/**
 * One clear, translated sentence for any failed request: the text of the error's code
 * (`errors.<code>`, with details such as the size limit filled in), else one by HTTP status.
 * The server's English message is developer text and is never shown.
 */
export function errorMessage(err: unknown, t: TFunction): string {
  if (err instanceof NetworkError) return t("errors.network");
  if (err instanceof ApiError) {
    const key = codeKey(err.code);
    if (key) {
      const text = t(key, errorVars(err.details));
      if (!/\{\w+\}/.test(text)) return text; // a detail the text needs is missing: say less
    }
    return byStatus(err, t);
  }
  if (err instanceof Error) return t("errors.generic", { message: err.message });
  return t("errors.generic", { message: String(err) });
}
