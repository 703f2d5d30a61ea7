// When each step of a sequence would go out if it started at `start` (cumulative delays).
export function plannedDates(start: Date, steps: { delayMinutes: number }[]): Date[] {
  let at = start.getTime();
  return steps.map((s) => new Date((at += s.delayMinutes * 60_000)));
}

export type DelayUnit = "minutes" | "hours" | "days";
const FACTOR: Record<DelayUnit, number> = { minutes: 1, hours: 60, days: 1440 };

export function toMinutes(value: number, unit: DelayUnit): number {
  return Math.round(value * FACTOR[unit]);
}

/** The largest unit that divides the delay exactly: 1440 -> 1 day, 90 -> 90 minutes. */
export function fromMinutes(minutes: number): { value: number; unit: DelayUnit } {
  if (minutes % 1440 === 0) return { value: minutes / 1440, unit: "days" };
  if (minutes % 60 === 0) return { value: minutes / 60, unit: "hours" };
  return { value: minutes, unit: "minutes" };
}
