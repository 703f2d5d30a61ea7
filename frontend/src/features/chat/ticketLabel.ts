import type { Ticket } from "../../api/types";
import type { MessageKey, TFunction } from "../../i18n/i18n";

/** Every source a ticket can have (the server's TICKET_SOURCES), in the order the filters offer them. */
export const TICKET_SOURCES = ["whatsapp", "meta_ads", "google_ads", "organic", "direct", "outbound", "history"] as const;
const KNOWN_SOURCES = new Set<string>(TICKET_SOURCES);

export function sourceLabel(source: string | null | undefined, t: TFunction): string | null {
  if (!source) return null;
  const key = source.toLowerCase();
  if (KNOWN_SOURCES.has(key)) return t(`source.${key}` as MessageKey);
  return source.replace(/[_-]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

/** "Ticket #3 · Meta Ads · black_friday" */
export function ticketLabel(ticket: Pick<Ticket, "number" | "source" | "campaign">, t: TFunction): string {
  return [t("ticket.label", { number: ticket.number }), sourceLabel(ticket.source, t), ticket.campaign]
    .filter(Boolean)
    .join(" · ");
}
