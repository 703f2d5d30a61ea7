import { useState, type FormEvent } from "react";
import { useUpdateOrganization } from "../../api/auth";
import type { AgentVisibility, Organization } from "../../api/types";
import { showToast } from "../../components/ui/toast";
import { useT } from "../../i18n/i18n";

const TIMEZONES = [
  "America/Sao_Paulo",
  "America/Manaus",
  "America/Cuiaba",
  "America/Fortaleza",
  "America/Recife",
  "America/Belem",
  "America/Rio_Branco",
  "America/Noronha",
  "UTC",
];

/** Admins: organization name, time zone for dates, the inactivity close (hours; 0 = off), who
 * sees which conversations, and when the list's waiting timers turn amber and red (minutes). */
export function OrganizationForm({ organization }: { organization: Organization }) {
  const t = useT();
  const update = useUpdateOrganization();
  const [name, setName] = useState(organization.name);
  const [timezone, setTimezone] = useState(organization.timezone);
  const [hours, setHours] = useState(String(organization.inactivityTimeoutMinutes / 60));
  const [visibility, setVisibility] = useState<AgentVisibility>(organization.agentVisibility);
  const [warn, setWarn] = useState(String(organization.waitingWarnMinutes));
  const [alert, setAlert] = useState(String(organization.waitingAlertMinutes));
  const waitingOrderWrong = Number(warn) >= Number(alert);
  const zones = TIMEZONES.includes(organization.timezone) ? TIMEZONES : [organization.timezone, ...TIMEZONES];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (waitingOrderWrong) return;
    const minutes = Math.round(Number(hours) * 60);
    update.mutate(
      {
        name: name.trim(),
        timezone,
        inactivityTimeoutMinutes: minutes,
        agentVisibility: visibility,
        waitingWarnMinutes: Number(warn),
        waitingAlertMinutes: Number(alert),
      },
      { onSuccess: () => showToast(t("settings.saved"), "info") },
    );
  };

  return (
    <form className="instance-form" onSubmit={submit} data-testid="organization-form">
      <label>
        {t("settings.organizationName")}
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} data-testid="org-name-input" />
      </label>
      <label>
        {t("settings.timezone")}
        <select value={timezone} onChange={(e) => setTimezone(e.target.value)} data-testid="org-timezone-select">
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("settings.inactivityHours")}
        <input
          type="number"
          min={0}
          max={2160}
          step={0.5}
          value={hours}
          onChange={(e) => setHours(e.target.value)}
          required
          data-testid="org-inactivity-input"
        />
      </label>
      <p className="hint">{t("settings.inactivityHint")}</p>
      <label>
        {t("settings.agentVisibility")}
        <select
          value={visibility}
          onChange={(e) => setVisibility(e.target.value as AgentVisibility)}
          data-testid="org-visibility-select"
        >
          <option value="assigned_and_unassigned">{t("settings.visibilityRestricted")}</option>
          <option value="all">{t("settings.visibilityAll")}</option>
        </select>
      </label>
      <fieldset className="waiting-thresholds">
        <legend>{t("settings.waitingTitle")}</legend>
        <label>
          {t("settings.waitingWarn")}
          <input
            type="number"
            min={1}
            max={10080}
            step={1}
            value={warn}
            onChange={(e) => setWarn(e.target.value)}
            required
            data-testid="org-waiting-warn-input"
          />
        </label>
        <label>
          {t("settings.waitingAlert")}
          <input
            type="number"
            min={1}
            max={10080}
            step={1}
            value={alert}
            onChange={(e) => setAlert(e.target.value)}
            required
            data-testid="org-waiting-alert-input"
          />
        </label>
        {waitingOrderWrong ? (
          <p className="form-error" role="alert" data-testid="org-waiting-error">
            {t("errors.waiting_warn_not_below_alert")}
          </p>
        ) : (
          <p className="hint">{t("settings.waitingHint")}</p>
        )}
      </fieldset>
      <button className="btn btn-primary" type="submit" disabled={update.isPending || waitingOrderWrong} data-testid="org-save">
        {t("settings.save")}
      </button>
    </form>
  );
}
