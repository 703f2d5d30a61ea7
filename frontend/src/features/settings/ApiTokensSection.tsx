// Settings → API tokens (admins): integrations call the API with `Authorization: Bearer <token>`.
// The secret is shown once, right after creation, with a copy button; the list shows its prefix.
import { useState, type FormEvent } from "react";
import { useUsers } from "../../api/auth";
import { useApiTokens, useCreateApiToken, useRevokeApiToken, type ApiToken, type ApiTokenCreated } from "../../api/apiTokens";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

type Status = "active" | "revoked" | "expired";

export function tokenStatus(token: ApiToken, now: number = Date.now()): Status {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now) return "expired";
  return "active";
}

/** A date picked in the form (YYYY-MM-DD) as the end of that day, local time, in ISO form. */
export function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function CreatedSecret({ created, onDone }: { created: ApiTokenCreated; onDone: () => void }) {
  const t = useT();
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(created.token).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div className="quick-editor" role="status" data-testid="api-token-created">
      <p>
        <strong>{t("apiTokens.createdTitle", { name: created.name })}</strong>
      </p>
      <p className="hint">{t("apiTokens.shownOnce")}</p>
      <code className="token-secret" data-testid="api-token-secret">
        {created.token}
      </code>
      <div className="row-actions">
        <button className="btn btn-primary" type="button" onClick={copy} data-testid="api-token-copy">
          {copied ? t("apiTokens.copied") : t("apiTokens.copy")}
        </button>
        <button className="btn" type="button" onClick={onDone} data-testid="api-token-done">
          {t("apiTokens.done")}
        </button>
      </div>
      {copied === false && <p className="form-error">{t("apiTokens.copyFailed")}</p>}
    </div>
  );
}

function CreateTokenForm({ meId, onCreated, onCancel }: { meId: string; onCreated: (c: ApiTokenCreated) => void; onCancel: () => void }) {
  const t = useT();
  const users = useUsers();
  const create = useCreateApiToken();
  const [name, setName] = useState("");
  const [userId, setUserId] = useState(meId);
  const [expires, setExpires] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: name.trim(), userId, expiresAt: expires ? endOfDay(expires) : null },
      { onSuccess: onCreated },
    );
  };
  return (
    <form className="quick-editor" onSubmit={submit} data-testid="api-token-form">
      <label>
        {t("apiTokens.name")}
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder={t("apiTokens.namePlaceholder")} data-testid="api-token-name" />
      </label>
      <label>
        {t("apiTokens.actsAs")}
        <select value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="api-token-user">
          {(users.data ?? [])
            .filter((u) => u.active)
            .map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} · {t(u.role === "admin" ? "team.role.admin" : "team.role.agent")}
              </option>
            ))}
        </select>
      </label>
      <p className="hint">{t("apiTokens.actsAsHint")}</p>
      <label>
        {t("apiTokens.expires")}
        <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} data-testid="api-token-expires" />
      </label>
      {create.error && (
        <p className="form-error" role="alert" data-testid="api-token-error">
          {errorMessage(create.error, t)}
        </p>
      )}
      <div className="row-actions">
        <button className="btn btn-primary" type="submit" disabled={create.isPending} data-testid="api-token-submit">
          {t("apiTokens.create")}
        </button>
        <button className="btn" type="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

export function ApiTokensSection({ meId }: { meId: string }) {
  const t = useT();
  const tokens = useApiTokens();
  const users = useUsers();
  const revoke = useRevokeApiToken();
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const nameOf = (id: string) => users.data?.find((u) => u.id === id)?.name ?? "—";
  const date = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : t("apiTokens.never"));
  const onRevoke = (token: ApiToken) => {
    if (window.confirm(t("apiTokens.revokeConfirm", { name: token.name }))) revoke.mutate(token.id);
  };
  return (
    <section className="card" data-testid="api-tokens-section">
      <h2>{t("apiTokens.title")}</h2>
      <p className="hint">{t("apiTokens.intro")}</p>
      {created && <CreatedSecret created={created} onDone={() => setCreated(null)} />}
      {adding ? (
        <CreateTokenForm
          meId={meId}
          onCreated={(c) => {
            setCreated(c);
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <button className="btn" type="button" onClick={() => setAdding(true)} data-testid="api-token-add">
          {t("apiTokens.add")}
        </button>
      )}
      {tokens.data?.length === 0 && <p className="hint">{t("apiTokens.empty")}</p>}
      <ul className="plain-list">
        {(tokens.data ?? []).map((token) => {
          const status = tokenStatus(token);
          return (
            <li key={token.id} className="row-between" data-testid="api-token-row">
              <span>
                <strong>{token.name}</strong> <code>{token.prefix}…</code> · {t(`apiTokens.status.${status}`)}
                <br />
                <small>
                  {t("apiTokens.details", {
                    user: nameOf(token.userId),
                    created: date(token.createdAt),
                    lastUsed: date(token.lastUsedAt),
                    expires: token.expiresAt ? date(token.expiresAt) : t("apiTokens.noExpiry"),
                  })}
                </small>
              </span>
              {status === "active" && (
                <button className="btn" type="button" onClick={() => onRevoke(token)} disabled={revoke.isPending} data-testid="api-token-revoke">
                  {t("apiTokens.revoke")}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {revoke.error && (
        <p className="form-error" role="alert">
          {errorMessage(revoke.error, t)}
        </p>
      )}
    </section>
  );
}
