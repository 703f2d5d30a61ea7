import { useLogout } from "../../api/auth";
import type { Me } from "../../api/types";
import { Icon } from "../../components/ui/Icon";
import { useT } from "../../i18n/i18n";
import { Link } from "../../router";
import { ApiTokensSection } from "./ApiTokensSection";
import { InstancesSection } from "./InstancesSection";
import { LanguageSwitch } from "./LanguageSwitch";
import { SoundSwitch } from "./SoundSwitch";
import { BusinessHoursForm } from "./BusinessHoursForm";
import { OrganizationForm } from "./OrganizationForm";
import { QuickRepliesSection } from "./QuickRepliesSection";
import { SequencesSection } from "../followups/SequencesSection";
import { ChangePasswordForm } from "../team/ChangePasswordForm";
import { SessionsSection } from "../team/SessionsSection";
import { TeamSection } from "../team/TeamSection";

export function SettingsPage({ me }: { me: Me }) {
  const t = useT();
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
        <InstancesSection isAdmin={me.role === "admin"} />
        <QuickRepliesSection isAdmin={me.role === "admin"} />
        {me.role === "admin" && <SequencesSection />}
        {me.role === "admin" && <TeamSection meId={me.user.id} />}
        {me.role === "admin" && <ApiTokensSection meId={me.user.id} />}
        <section className="card">
          <h2>{t("settings.organization")}</h2>
          {me.role === "admin" ? (
            <>
              <OrganizationForm organization={me.organization} />
              <h3>{t("settings.clock.section")}</h3>
              <BusinessHoursForm organization={me.organization} />
            </>
          ) : (
            <dl className="kv">
              <dt>{t("settings.organization")}</dt>
              <dd>{me.organization.name}</dd>
              <dt>{t("settings.timezone")}</dt>
              <dd>{me.organization.timezone}</dd>
            </dl>
          )}
          <dl className="kv">
            <dt>{t("settings.user")}</dt>
            <dd>
              {me.user.name} ({me.user.email}) · {t(me.role === "admin" ? "team.role.admin" : "team.role.agent")}
            </dd>
          </dl>
          <LanguageSwitch />
          <SoundSwitch />
          <button className="btn" onClick={() => logout.mutate()} data-testid="logout-button">
            {t("auth.logout")}
          </button>
        </section>
        <section className="card">
          <h2>{t("password.change")}</h2>
          <ChangePasswordForm />
        </section>
        <SessionsSection />
      </main>
    </div>
  );
}
