// Date/time formatting with Intl, always in the organization's time zone.

export interface TimeOpts {
  timeZone: string;
  locale: string;
  now?: Date;
}

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(options);
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, options);
    } catch {
      // Unknown time zone from the server: fall back to the browser's.
      const { timeZone: _tz, ...rest } = options;
      f = new Intl.DateTimeFormat(locale, rest);
    }
    cache.set(key, f);
  }
  return f;
}

function toDate(value: string | Date): Date {
  return typeof value === "string" ? new Date(value) : value;
}

/** "2024-03-12" for the calendar day of `value` in the time zone. */
export function dayKey(value: string | Date, timeZone: string): string {
  const parts = fmt("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(toDate(value));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Whole calendar days between two day keys (b - a). */
function dayDiff(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function formatTime(value: string | Date, o: TimeOpts): string {
  return fmt(o.locale, { timeZone: o.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(toDate(value));
}

export function formatDateTime(value: string | Date, o: TimeOpts): string {
  return fmt(o.locale, { timeZone: o.timeZone, dateStyle: "short", timeStyle: "short" }).format(toDate(value));
}

export function formatDate(value: string | Date, o: TimeOpts): string {
  return fmt(o.locale, { timeZone: o.timeZone, dateStyle: "medium" }).format(toDate(value));
}

export interface DayLabels {
  today: string;
  yesterday: string;
}

/** Chat date separator: "Hoje", "Ontem", weekday within a week, else the full date. */
export function formatDaySeparator(value: string | Date, o: TimeOpts, labels: DayLabels): string {
  const d = toDate(value);
  const diff = dayDiff(dayKey(d, o.timeZone), dayKey(o.now ?? new Date(), o.timeZone));
  if (diff === 0) return labels.today;
  if (diff === 1) return labels.yesterday;
  if (diff > 1 && diff < 7) return capitalize(fmt(o.locale, { timeZone: o.timeZone, weekday: "long" }).format(d));
  return fmt(o.locale, { timeZone: o.timeZone, day: "numeric", month: "long", year: "numeric" }).format(d);
}

/** Conversation list time: "14:05" today, "Ontem", weekday within a week, else "12/03/2024". */
export function formatListTime(value: string | Date, o: TimeOpts, labels: DayLabels): string {
  const d = toDate(value);
  const diff = dayDiff(dayKey(d, o.timeZone), dayKey(o.now ?? new Date(), o.timeZone));
  if (diff <= 0) return formatTime(d, o);
  if (diff === 1) return labels.yesterday;
  if (diff < 7) return capitalize(fmt(o.locale, { timeZone: o.timeZone, weekday: "short" }).format(d)).replace(/\.$/, "");
  return fmt(o.locale, { timeZone: o.timeZone, day: "2-digit", month: "2-digit", year: "numeric" }).format(d);
}

function capitalize(s: string): string {
  return s.charAt(0).toLocaleUpperCase() + s.slice(1);
}

export function formatFileSize(bytes: number | null | undefined, locale: string): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "";
  const units = ["B", "KB", "MB", "GB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: u === 0 ? 0 : 1 }).format(v);
  return `${n} ${units[u]}`;
}
