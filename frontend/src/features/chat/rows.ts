import type { Message, Ticket } from "../../api/types";
import { messageKey } from "../../realtime/cacheOps";

export type ChatRow =
  | { kind: "date"; key: string; at: string }
  | { kind: "ticket"; key: string; ticketId: string; ticket: Ticket | undefined }
  | { kind: "message"; key: string; message: Message }
  | { kind: "unread"; key: string; count: number };

/** The unread divider of a chat just opened: placed before the message with this key. */
export interface UnreadDivider {
  beforeKey: string;
  count: number;
}

/**
 * Messages (oldest first) -> display rows with a date separator at each new day and a ticket
 * separator where the ticket changes. Optimistic messages (no ticket yet) stay in the current one.
 */
export function buildRows(
  messages: Message[],
  dayKey: (iso: string) => string,
  tickets: Map<string, Ticket>,
  unread: UnreadDivider | null = null,
): ChatRow[] {
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
    const key = messageKey(m);
    if (unread && key === unread.beforeKey) rows.push({ kind: "unread", key: "unread", count: unread.count });
    rows.push({ kind: "message", key: `m:${key}`, message: m });
  }
  return rows;
}
