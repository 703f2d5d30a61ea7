import { useState, type FormEvent } from "react";
import { useAddInstance } from "../../api/instances";
import type { Instance, InstanceCreate } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

type Mode = "existing" | "create";

interface Fields {
  name: string;
  baseUrl: string;
  token: string;
  hmacKey: string;
  adminToken: string;
}

const EMPTY: Fields = { name: "", baseUrl: "", token: "", hmacKey: "", adminToken: "" };

/** The POST /instances body for a mode; empty optional fields are left out. */
export function instanceCreateBody(mode: Mode, f: Fields): InstanceCreate {
  const opt = (v: string) => v.trim() || undefined;
  const body: InstanceCreate = { name: f.name.trim() };
  const hmacKey = opt(f.hmacKey);
  if (hmacKey) body.hmacKey = hmacKey;
  if (mode === "existing") {
    body.baseUrl = f.baseUrl.trim();
    body.token = f.token.trim();
    return body;
  }
  body.createUser = true;
  const baseUrl = opt(f.baseUrl);
  const token = opt(f.token);
  const adminToken = opt(f.adminToken);
  if (baseUrl) body.baseUrl = baseUrl;
  if (token) body.token = token;
  if (adminToken) body.adminToken = adminToken;
  return body;
}

/** "Adicionar número": an existing WuzAPI user (URL + token) or a new one created through its admin API. */
export function AddInstanceForm({ onAdded, onCancel }: { onAdded: (i: Instance) => void; onCancel: () => void }) {
  const t = useT();
  const add = useAddInstance();
  const [mode, setMode] = useState<Mode>("existing");
  const [f, setF] = useState<Fields>(EMPTY);
  const set = (k: keyof Fields) => (e: { target: { value: string } }) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const creating = mode === "create";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate(instanceCreateBody(mode, f), {
      onSuccess: (created) => {
        setF(EMPTY);
        onAdded(created);
      },
    });
  };

  return (
    <form className="instance-form" onSubmit={submit} data-testid="add-instance-form" aria-label={t("instance.addTitle")}>
      <h3>{t("instance.addTitle")}</h3>
      <div className="segmented" role="radiogroup">
        {(["existing", "create"] as const).map((m) => (
          <label key={m} className={mode === m ? "active" : ""}>
            <input
              type="radio"
              name="instance-mode"
              value={m}
              checked={mode === m}
              onChange={() => setMode(m)}
              data-testid={`instance-mode-${m}`}
            />
            {t(m === "existing" ? "instance.modeExisting" : "instance.modeCreate")}
          </label>
        ))}
      </div>
      <label>
        {t("instance.name")}
        <input
          value={f.name}
          onChange={set("name")}
          required
          maxLength={200}
          placeholder={t("instance.namePlaceholder")}
          data-testid="instance-name-input"
        />
      </label>
      <label>
        {t(creating ? "instance.baseUrlOptional" : "instance.baseUrl")}
        <input
          type="url"
          value={f.baseUrl}
          onChange={set("baseUrl")}
          required={!creating}
          placeholder="https://wuzapi.example.com"
          data-testid="instance-url-input"
        />
      </label>
      <label>
        {t(creating ? "instance.tokenOptional" : "instance.token")}
        <input value={f.token} onChange={set("token")} required={!creating} maxLength={255} autoComplete="off" data-testid="instance-token-input" />
      </label>
      <details className="advanced" data-testid="instance-advanced">
        <summary>{t("instance.advanced")}</summary>
        <p className="muted small">{t("instance.advancedHint")}</p>
      {creating && (
        <label>
          {t("instance.adminToken")}
          <input
            type="password"
            value={f.adminToken}
            onChange={set("adminToken")}
            maxLength={255}
            autoComplete="off"
            data-testid="instance-admin-token-input"
          />
        </label>
      )}
      <label>
        {t("instance.hmacKey")}
        <input
          value={f.hmacKey}
          onChange={set("hmacKey")}
          minLength={32}
          maxLength={255}
          autoComplete="off"
          data-testid="instance-hmac-input"
        />
      </label>
      </details>
      {add.isError && (
        <p className="form-error" role="alert" data-testid="add-instance-error">
          {errorMessage(add.error, t)}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={add.isPending} data-testid="add-instance-submit">
          {add.isPending ? t("instance.submitting") : t("instance.submit")}
        </button>
      </div>
    </form>
  );
}
