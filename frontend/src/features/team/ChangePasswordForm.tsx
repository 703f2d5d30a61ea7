// Own password: the screen a member with a temporary password sees first, and a settings form.
import { useState, type FormEvent } from "react";
import { useChangePassword } from "../../api/team";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

export function ChangePasswordForm({ onDone }: { onDone?: () => void }) {
  const t = useT();
  const change = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate(
      { currentPassword: current, newPassword: next },
      {
        onSuccess: () => {
          setCurrent("");
          setNext("");
          setConfirm("");
          onDone?.();
        },
      },
    );
  };
  const message = mismatch ? t("password.mismatch") : change.error ? errorMessage(change.error, t) : null;
  return (
    <form className="password-form" onSubmit={submit} data-testid="password-form">
      <label>
        {t("password.current")}
        <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} data-testid="password-current" />
      </label>
      <label>
        {t("password.new")}
        <input type="password" autoComplete="new-password" required minLength={10} value={next} onChange={(e) => setNext(e.target.value)} data-testid="password-new" />
      </label>
      <label>
        {t("password.confirm")}
        <input type="password" autoComplete="new-password" required minLength={10} value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="password-confirm" />
      </label>
      <p className="hint">{t("password.hint")}</p>
      {message && (
        <p className="form-error" role="alert" data-testid="password-error">
          {message}
        </p>
      )}
      {change.isSuccess && !message && <p className="hint" data-testid="password-changed">{t("password.changed")}</p>}
      <button className="btn btn-primary" type="submit" disabled={change.isPending} data-testid="password-submit">
        {t("password.submit")}
      </button>
    </form>
  );
}

/** Shown instead of the app while /auth/me says mustChangePassword (every other route answers 403). */
export function ChangePasswordPage() {
  const t = useT();
  return (
    <div className="login-page">
      <div className="login-band" />
      <div className="login-card" data-testid="change-password-page">
        <h1>{t("password.title")}</h1>
        <p>{t("password.intro")}</p>
        <ChangePasswordForm />
      </div>
    </div>
  );
}
