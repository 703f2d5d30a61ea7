import { useInstances } from "../../api/instances";
import { useLogout } from "../../api/auth";
import type { Me } from "../../api/types";
import { Icon } from "../../components/ui/Icon";
import { useT } from "../../i18n/i18n";
import { formatPhone } from "../../lib/phone";
import { Link } from "../../router";
import { LanguageSwitch } from "./LanguageSwitch";

export function SettingsPage({ me }: { me: Me }) {
  const t = useT();
  const { data: instances, isPending } = useInstances();
  const logout = useLogout();
  return (
    <div className="settings-page">
      <header className="settings-header">
        <Link href="/inbox" className="icon-btn" aria-label={t("common.back")}>
          <Icon name="back" />
        </Link>
        <h1>{t("settings.title")}</h1>
      </header>
      <main className="settings-body">
        <section className="card">
          <h2>{t("settings.organization")}</h2>
          <dl className="kv">
            <dt>{t("settings.organization")}</dt>
            <dd>{me.organization.name}</dd>
            <dt>{t("settings.timezone")}</dt>
            <dd>{me.organization.timezone}</dd>
            <dt>{t("settings.user")}</dt>
            <dd>
              {me.user.name} ({me.user.email}) · {me.role}
            </dd>
          </dl>
          <LanguageSwitch />
          <button className="btn" onClick={() => logout.mutate()} data-testid="logout-button">
            {t("auth.logout")}
          </button>
        </section>
        <section className="card">
          <h2>{t("settings.instances")}</h2>
          {isPending && <p>{t("common.loading")}</p>}
          {instances?.length === 0 && <p>{t("settings.noInstances")}</p>}
          <ul className="instance-list" data-testid="instance-list">
            {instances?.map((i) => (
              <li key={i.id} data-testid="instance-row">
                <div>
                  <Link href={`/inbox/instance/${i.id}`}>
                    <strong>{i.name}</strong>
                  </Link>
                  {i.isDemo && <span className="chip chip-demo">{t("settings.demo")}</span>}
                  <div className="muted">{formatPhone(i.phone)}</div>
                  {i.webhookUrl && (
                    <div className="muted small">
                      {t("settings.webhook")}: <code>{i.webhookUrl}</code>
                    </div>
                  )}
                </div>
                <span className={`chip chip-instance-${i.status}`}>{t(`instance.${i.status}`)}</span>
              </li>
            ))}
          </ul>
        </section>
      </main>
    </div>
  );
}
