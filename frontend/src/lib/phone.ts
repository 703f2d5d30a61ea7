// Phone display. WhatsApp numbers arrive as digits with country code ("5511999999999",
// sometimes "+55..." or a JID "5511999999999@s.whatsapp.net").

export function phoneDigits(raw: string | null | undefined): string {
  if (!raw) return "";
  return raw.split("@")[0]!.replace(/\D/g, "");
}

export function formatPhone(raw: string | null | undefined): string {
  const d = phoneDigits(raw);
  if (!d) return raw ?? "";
  if (d.startsWith("55") && (d.length === 12 || d.length === 13)) {
    const ddd = d.slice(2, 4);
    const local = d.slice(4);
    const split = local.length === 9 ? 5 : 4;
    return `+55 ${ddd} ${local.slice(0, split)}-${local.slice(split)}`;
  }
  if (d.startsWith("1") && d.length === 11) {
    return `+1 ${d.slice(1, 4)} ${d.slice(4, 7)}-${d.slice(7)}`;
  }
  return `+${d}`;
}

/** Name to show for a lead: saved name, WhatsApp push name, else the formatted phone. */
export function leadDisplayName(lead: { name: string | null; pushName: string | null; phone: string | null }): string {
  return lead.name?.trim() || lead.pushName?.trim() || formatPhone(lead.phone) || "?";
}

export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return "?";
  if (/^\d/.test(words[0]!)) return "#";
  const first = words[0]!.charAt(0);
  const last = words.length > 1 ? words[words.length - 1]!.charAt(0) : "";
  return (first + last).toLocaleUpperCase();
}
