import { useState, type FormEvent } from "react";
import { useUpdateOrganization } from "../../api/auth";
import type { Organization } from "../../api/types";
import { showToast } from "../../components/ui/toast";
import { useT, type MessageKey } from "../../i18n/i18n";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type ResponseTimeClock = "wall" | "business";
/** Per weekday the [start, end] local times ("HH:MM"; "24:00" ends at midnight). */
export type WeekHours = Record<Weekday, [string, string][]>;

const MAX_INTERVALS = 6;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The schedule as the server keeps it (a missing day is closed). */
export function weekFrom(raw: Record<string, string[][]> | undefined): WeekHours {
  const out = {} as WeekHours;
  for (const d of WEEKDAYS) {
    out[d] = (raw?.[d] ?? []).filter((i) => i.length === 2).map((i) => [i[0]!, i[1]!] as [string, string]);
  }
  return out;
}

/**
 * The first problem of a schedule, checked as the server does: a start not before its end
 * (an end of 00:00 means midnight), intervals of a day that overlap, or no interval at all.
 */
export function scheduleProblem(week: WeekHours): { code: "business_hours_invalid" | "business_hours_overlap" | "business_hours_empty"; day?: Weekday } | null {
  let any = false;
  for (const d of WEEKDAYS) {
    const spans = week[d].map(([a, b]) => [minutes(a), b === "00:00" ? 24 * 60 : minutes(b)] as const);
    for (const [a, b] of spans) if (!(a < b)) return { code: "business_hours_invalid", day: d };
    const sorted = [...spans].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]![0] < sorted[i - 1]![1]) return { code: "business_hours_overlap", day: d };
    any ||= spans.length > 0;
  }
  return any ? null : { code: "business_hours_empty" };
}

/** The PATCH body's businessHours ("00:00" as an end is sent as "24:00"). */
export function toPayload(week: WeekHours): Record<Weekday, string[][]> {
  const out = {} as Record<Weekday, string[][]>;
  for (const d of WEEKDAYS) out[d] = week[d].map(([a, b]) => [a, b === "00:00" ? "24:00" : b]);
  return out;
}

/**
 * Admins: whether response, first-response and resolution times are counted on the wall clock
 * or in business hours, and the weekly hours (in the organization's time zone). Saving changes
 * how new figures are counted; past tickets are recomputed by `whatrack metrics rebuild`.
 */
export function BusinessHoursForm({ organization }: { organization: Organization }) {
  const t = useT();
  const update = useUpdateOrganization();
  const [clock, setClock] = useState<ResponseTimeClock>(organization.responseTimeClock ?? "wall");
  const [week, setWeek] = useState<WeekHours>(() => weekFrom(organization.businessHours));
  const problem = clock === "business" ? scheduleProblem(week) : null;

  const setDay = (d: Weekday, spans: [string, string][]) => setWeek((w) => ({ ...w, [d]: spans }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    update.mutate(
      { responseTimeClock: clock, ...(clock === "business" ? { businessHours: toPayload(week) } : {}) },
      { onSuccess: () => showToast(t("settings.saved"), "info") },
    );
  };

  return (
    <form className="instance-form business-hours" onSubmit={submit} data-testid="business-hours-form">
      <fieldset>
        <legend>{t("settings.clock.title")}</legend>
        {(["wall", "business"] as const).map((c) => (
          <label key={c} className="radio-row">
            <input
              type="radio"
              name="response-time-clock"
              value={c}
              checked={clock === c}
              onChange={() => setClock(c)}
              data-testid={`clock-${c}`}
            />
            {t(`settings.clock.${c}`)}
          </label>
        ))}
      </fieldset>
      {clock === "business" && (
        <table className="week-hours" data-testid="week-hours">
          <caption>{t("settings.clock.hoursCaption", { timezone: organization.timezone })}</caption>
          <tbody>
            {WEEKDAYS.map((d) => {
              const spans = week[d];
              return (
                <tr key={d} data-testid={`hours-${d}`}>
                  <th scope="row">
                    <label>
                      <input
                        type="checkbox"
                        checked={spans.length > 0}
                        onChange={(e) => setDay(d, e.target.checked ? [["09:00", "18:00"]] : [])}
                        data-testid={`hours-${d}-open`}
                      />
                      {t(`settings.weekday.${d}` as MessageKey)}
                    </label>
                  </th>
                  <td>
                    {spans.length === 0 && <span className="hint">{t("settings.clock.closed")}</span>}
                    {spans.map(([a, b], i) => (
                      <span key={i} className="interval">
                        <input
                          type="time"
                          value={a}
                          onChange={(e) => setDay(d, spans.map((s, j) => (j === i ? [e.target.value, s[1]] : s)))}
                          aria-label={t("settings.clock.from")}
                          required
                          data-testid={`hours-${d}-${i}-start`}
                        />
                        –
                        <input
                          type="time"
                          value={b === "24:00" ? "00:00" : b}
                          onChange={(e) => setDay(d, spans.map((s, j) => (j === i ? [s[0], e.target.value] : s)))}
                          aria-label={t("settings.clock.to")}
                          required
                          data-testid={`hours-${d}-${i}-end`}
                        />
                        <button
                          type="button"
                          className="link-btn"
                          onClick={() => setDay(d, spans.filter((_, j) => j !== i))}
                          aria-label={t("settings.clock.removeInterval")}
                          title={t("settings.clock.removeInterval")}
                        >
                          ×
                        </button>
                      </span>
                    ))}
                    {spans.length > 0 && spans.length < MAX_INTERVALS && (
                      <button
                        type="button"
                        className="link-btn"
                        onClick={() => setDay(d, [...spans, ["13:00", "18:00"]])}
                        data-testid={`hours-${d}-add`}
                      >
                        {t("settings.clock.addInterval")}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {problem ? (
        <p className="form-error" role="alert" data-testid="business-hours-error">
          {t(`errors.${problem.code}`)}
          {problem.day ? ` (${t(`settings.weekday.${problem.day}` as MessageKey)})` : ""}
        </p>
      ) : null}
      <p className="hint" data-testid="business-hours-hint">
        {t("settings.clock.hint")}
      </p>
      <button className="btn btn-primary" type="submit" disabled={update.isPending || !!problem} data-testid="business-hours-save">
        {t("settings.save")}
      </button>
    </form>
  );
}
