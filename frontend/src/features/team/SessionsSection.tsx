// Settings → Minhas sessões: the caller's own browsers, each can be ended.
import { useRevokeSession, useSessions } from "../../api/team";
import { useT } from "../../i18n/i18n";

export function SessionsSection() {
  const t = useT();
  const sessions = useSessions();
  const revoke = useRevokeSession();
  return (
    <section className="card" data-testid="sessions-section">
      <h2>{t("sessions.title")}</h2>
      <ul className="plain-list">
        {(sessions.data ?? []).map((s) => (
          <li key={s.id} className="row-between" data-testid="session-row">
            <span>
              <strong>{s.userAgent ?? t("sessions.unknownDevice")}</strong>
              {s.ip ? ` · ${s.ip}` : ""}
              <br />
              <small>{t("sessions.since", { date: new Date(s.createdAt).toLocaleString() })}</small>
            </span>
            {s.current ? (
              <em>{t("sessions.current")}</em>
            ) : (
              <button className="btn" onClick={() => revoke.mutate(s.id)} disabled={revoke.isPending} data-testid="session-revoke">
                {t("sessions.revoke")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
