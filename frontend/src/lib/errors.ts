import { ApiError, NetworkError } from "../api/client";
import type { TFunction } from "../i18n/i18n";

/** One clear, translated sentence for any failed request. */
export function errorMessage(err: unknown, t: TFunction): string {
  if (err instanceof NetworkError) return t("errors.network");
  if (err instanceof ApiError) {
    if (err.status === 401) return t("errors.unauthorized");
    if (err.status === 403) return t("errors.forbidden");
    if (err.status === 404) return t("errors.not_found");
    if (err.status === 409) return err.code === "conflict" || !err.message ? t("errors.conflict") : `${t("errors.conflict")} (${err.message})`;
    if (err.status === 422 || err.code === "validation_error") return t("errors.validation", { message: err.message });
    if (err.status >= 500) return t("errors.server");
    return t("errors.generic", { message: err.message });
  }
  if (err instanceof Error) return t("errors.generic", { message: err.message });
  return t("errors.generic", { message: String(err) });
}

/**
 * Instance writes: the server's own sentence for the errors an admin can act on (wrong token
 * 400, already added / has conversations 409, WuzAPI unreachable 502), field messages for 422.
 */
export function instanceErrorMessage(err: unknown, t: TFunction): string {
  if (err instanceof ApiError) {
    if ((err.status === 400 || err.status === 409 || err.status === 502) && err.message) return err.message;
    if (err.status === 422 && Array.isArray(err.details)) {
      const msgs = (err.details as { msg?: unknown }[]).map((d) => String(d.msg ?? "")).filter(Boolean);
      if (msgs.length) return t("errors.validation", { message: msgs.join("; ") });
    }
  }
  return errorMessage(err, t);
}
