import type { Message, Ticket } from "../../api/types";
import { messageKey } from "../../realtime/cacheOps";

export type ChatRow =
  | { kind: "date"; key: string; at: string }
  | { kind: "ticket"; key: string; ticketId: string; ticket: Ticket | undefined }
  | { kind: "message"; key: string; message: Message };

/**
 * Messages (oldest first) -> display rows with a date separator at each new day and a ticket
 * separator where the ticket changes. Optimistic messages (no ticket yet) stay in the current one.
 */
export function buildRows(messages: Message[], dayKey: (iso: string) => string, tickets: Map<string, Ticket>): ChatRow[] {
  const rows: ChatRow[] = [];
  let lastDay = "";
  let lastTicket: string | null = null;
  for (const m of messages) {
    const at = m.sentAt || m.createdAt;
    const day = dayKey(at);
    if (day !== lastDay) {
      rows.push({ kind: "date", key: `d:${day}`, at });
      lastDay = day;
    }
    if (m.ticketId && m.ticketId !== lastTicket) {
      rows.push({ kind: "ticket", key: `t:${m.ticketId}`, ticketId: m.ticketId, ticket: tickets.get(m.ticketId) });
      lastTicket = m.ticketId;
    }
    rows.push({ kind: "message", key: `m:${messageKey(m)}`, message: m });
  }
  return rows;
}
