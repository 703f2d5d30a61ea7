/**
 * A sale's value typed in R$ ("1.234,56", "1234,5", "1234.56", "R$ 99") -> cents, or null when it
 * is not a non-negative amount with at most two decimals. A lone dot followed by three digits is a
 * thousands separator ("1.234" = R$ 1.234,00), as a Brazilian reader means it.
 */
export function parseCents(input: string): number | null {
  let s = input.trim().replace(/^R\$\s*/i, "").replace(/\s/g, "");
  if (!s) return null;
  if (s.includes(",")) s = s.replace(/\./g, "").replace(",", ".");
  else if (/^\d{1,3}(\.\d{3})+$/.test(s)) s = s.replace(/\./g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null;
  const [whole = "0", frac = ""] = s.split(".");
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, "0"));
  return Number.isSafeInteger(cents) && cents <= 10 ** 13 ? cents : null;
}
