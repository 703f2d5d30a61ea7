/** How long a lead has waited for a reply, and how urgent that is. */

export interface WaitingThresholds {
  /** minutes after which the timer turns amber */
  warnMinutes: number;
  /** minutes after which it turns red */
  alertMinutes: number;
}

/** Used until the organization sets its own. */
export const DEFAULT_WAITING_THRESHOLDS: WaitingThresholds = { warnMinutes: 10, alertMinutes: 30 };

/** The organization's thresholds (PATCH /organization), the defaults while unknown. */
export function waitingThresholds(org: { waitingWarnMinutes?: number; waitingAlertMinutes?: number } | undefined): WaitingThresholds {
  const warn = org?.waitingWarnMinutes ?? DEFAULT_WAITING_THRESHOLDS.warnMinutes;
  const alert = org?.waitingAlertMinutes ?? DEFAULT_WAITING_THRESHOLDS.alertMinutes;
  return warn < alert ? { warnMinutes: warn, alertMinutes: alert } : DEFAULT_WAITING_THRESHOLDS;
}

export type WaitingLevel = "ok" | "warn" | "alert";

export function waitedMinutes(since: string, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
}

export function waitingLevel(minutes: number, th: WaitingThresholds = DEFAULT_WAITING_THRESHOLDS): WaitingLevel {
  if (minutes >= th.alertMinutes) return "alert";
  if (minutes >= th.warnMinutes) return "warn";
  return "ok";
}

/** Compact duration: "0 min", "12 min", "1 h 05", "3 d". */
export function formatWaited(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")}`;
  return `${Math.floor(minutes / (24 * 60))} d`;
}
