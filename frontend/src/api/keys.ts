import type { ConversationFilters } from "./types";

// Query-key factory: every cache entry the app reads or writes is named here.
export const keys = {
  me: () => ["auth", "me"] as const,
  users: () => ["users"] as const,
  instances: () => ["instances"] as const,
  /** Polled while the connect dialog is open (QR code / session status); not under "instances". */
  instanceSession: (id: string, mode: "qr" | "status") => ["instance-session", id, mode] as const,
  conversations: {
    all: () => ["conversations"] as const,
    lists: () => ["conversations", "list"] as const,
    list: (filters: ConversationFilters) => ["conversations", "list", normalizeFilters(filters)] as const,
    detail: (id: string) => ["conversations", "detail", id] as const,
  },
  messages: {
    all: () => ["messages"] as const,
    list: (conversationId: string) => ["messages", conversationId] as const,
  },
  typing: (conversationId: string) => ["typing", conversationId] as const,
  /** Set when a conversation was assigned away from this restricted agent (conversation_hidden). */
  hidden: (conversationId: string) => ["hidden", conversationId] as const,
  /** Set when the server ended this user's subscription to the conversation's channel, or refused
   * it (visibility lost: assigned away, the policy or the role changed). */
  revoked: (conversationId: string) => ["revoked", conversationId] as const,
  leads: {
    detail: (id: string) => ["leads", id] as const,
  },
};

export function normalizeFilters(f: ConversationFilters): ConversationFilters {
  const out: ConversationFilters = {};
  if (f.instanceId) out.instanceId = f.instanceId;
  if (f.ticketStatus) out.ticketStatus = f.ticketStatus;
  if (f.unread) out.unread = true;
  if (f.snoozed) out.snoozed = true;
  if (f.priority) out.priority = f.priority;
  if (f.assigned) out.assigned = f.assigned;
  const q = f.q?.trim();
  if (q) out.q = q;
  if (f.order === "waiting") out.order = "waiting";
  if (f.source) out.source = f.source;
  const campaign = f.campaign?.trim();
  if (campaign) out.campaign = campaign;
  return out;
}
