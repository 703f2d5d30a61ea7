/** pt-BR (or English) number formats for reports: R$ 1.234,56; 12,5%; 1.234. */
export type Lang = "pt-BR" | "en";

export function money(cents: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { style: "currency", currency: "BRL" }).format(cents / 100);
}

export function percent(ratio: number | null | undefined, lang: Lang): string {
  if (ratio === null || ratio === undefined) return "–";
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

export function count(n: number | null | undefined, lang: Lang): string {
  if (n === null || n === undefined) return "–";
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
}

/** Seconds as "45 s", "12 min", "3,5 h", "2,1 d". */
export function duration(seconds: number | null | undefined, lang: Lang): string {
  if (seconds === null || seconds === undefined) return "–";
  const f = (v: number) => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(v);
  if (seconds < 60) return `${f(seconds)} s`;
  if (seconds < 3600) return `${f(seconds / 60)} min`;
  if (seconds < 86400) return `${f(seconds / 3600)} h`;
  return `${f(seconds / 86400)} d`;
}

function iso(d: Date): string {
  const m = String(d.getMonth() + 1).padStart(2, "0");
  const day = String(d.getDate()).padStart(2, "0");
  return `${d.getFullYear()}-${m}-${day}`;
}

export type Preset = "today" | "7d" | "30d" | "month";

/** A preset's range (inclusive dates) ending today. */
export function presetRange(preset: Preset, today: Date = new Date()): { from: string; to: string } {
  const start = new Date(today);
  if (preset === "7d") start.setDate(today.getDate() - 6);
  if (preset === "30d") start.setDate(today.getDate() - 29);
  if (preset === "month") start.setDate(1);
  return { from: iso(start), to: iso(today) };
}
