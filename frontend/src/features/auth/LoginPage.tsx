import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { useLogin } from "../../api/auth";
import { LanguageSwitch } from "../settings/LanguageSwitch";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

export function LoginPage() {
  const t = useT();
  const login = useLogin();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ email: email.trim(), password });
  };

  const err = login.error;
  const message =
    err instanceof ApiError && (err.status === 401 || err.status === 400 || err.status === 422)
      ? t("auth.invalid")
      : err
        ? errorMessage(err, t)
        : null;

  return (
    <div className="login-page">
      <div className="login-band" />
      <form className="login-card" onSubmit={submit} data-testid="login-form">
        <h1>{t("auth.title")}</h1>
        <label>
          {t("auth.email")}
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
          />
        </label>
        <label>
          {t("auth.password")}
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {message && (
          <p className="form-error" role="alert" data-testid="login-error">
            {message}
          </p>
        )}
        <button className="btn btn-primary" type="submit" disabled={login.isPending} data-testid="login-submit">
          {login.isPending ? t("auth.submitting") : t("auth.submit")}
        </button>
        <LanguageSwitch />
      </form>
    </div>
  );
}
