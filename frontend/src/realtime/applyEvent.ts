// THE place where each real-time event becomes a TanStack Query cache update.
import type { QueryClient } from "@tanstack/react-query";
import { keys } from "../api/keys";
import type { ChatEvent, Conversation, ConversationFilters, Instance, SenderType } from "../api/types";
import {
  applyInstanceStatus,
  applyMessageStatus,
  upsertConversation,
  upsertMessage,
  type ConversationsData,
  type MessagesData,
} from "./cacheOps";

export interface TypingState {
  isTyping: boolean;
  senderType: SenderType;
  userId: string | null;
  userName: string | null;
  at: number;
}

/** A typing indicator dies on its own if the "stopped" event never comes. */
export const TYPING_TTL_MS = 6000;
const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();

export interface ApplyContext {
  meId: string | null;
}

const EVENT_TYPES: readonly string[] = [
  "new_message",
  "message_updated",
  "message_status",
  "conversation_updated",
  "typing",
  "instance_updated",
  "conversation_hidden",
];

/** Queries whose first load is running and that must be read again once it lands. */
const rereadAfterLoad = new WeakSet<object>();

/**
 * A fetch still running may have read its snapshot before this event was published (events go
 * out after commit), so its answer could drop the update just applied. With data in the cache the
 * fetch is restarted (the cache keeps the update meanwhile); during a first load there is nothing
 * to update yet, so the query is read once more when that load lands.
 */
function restartIfFetching(qc: QueryClient, queryKey: readonly unknown[]): void {
  const cache = qc.getQueryCache();
  const query = cache.find({ queryKey, exact: true });
  if (!query || query.state.fetchStatus !== "fetching") return;
  if (query.state.data !== undefined) {
    void qc.invalidateQueries({ queryKey, exact: true }, { cancelRefetch: true });
    return;
  }
  if (rereadAfterLoad.has(query)) return;
  rereadAfterLoad.add(query);
  const unsubscribe = cache.subscribe((event) => {
    if (event.query !== query || query.state.fetchStatus !== "idle") return;
    unsubscribe();
    rereadAfterLoad.delete(query);
    void qc.invalidateQueries({ queryKey, exact: true });
  });
}

export function isChatEvent(value: unknown): value is ChatEvent {
  if (!value || typeof value !== "object") return false;
  const v = value as { type?: unknown; data?: unknown };
  return (
    typeof v.type === "string" &&
    EVENT_TYPES.includes(v.type) &&
    !!v.data &&
    typeof v.data === "object"
  );
}

export function upsertConversationEverywhere(qc: QueryClient, conv: Conversation, meId: string | null): void {
  qc.setQueryData<Conversation>(keys.conversations.detail(conv.id), conv);
  for (const [key, data] of qc.getQueriesData<ConversationsData>({ queryKey: keys.conversations.lists() })) {
    const filters = (key[2] ?? {}) as ConversationFilters;
    const next = upsertConversation(data, conv, filters, meId);
    if (next !== data) qc.setQueryData(key, next);
    restartIfFetching(qc, key);
    // Filtered by origin: whether the row belongs (or still belongs) is the server's answer.
    if (filters.source || filters.campaign) void qc.invalidateQueries({ queryKey: key, exact: true });
  }
}

function previousConversation(qc: QueryClient, id: string): Conversation | undefined {
  const detail = qc.getQueryData<Conversation>(keys.conversations.detail(id));
  if (detail) return detail;
  for (const [, data] of qc.getQueriesData<ConversationsData>({ queryKey: keys.conversations.lists() })) {
    const hit = data?.pages.flatMap((p) => p.items).find((c) => c.id === id);
    if (hit) return hit;
  }
  return undefined;
}

export function applyEvent(qc: QueryClient, event: ChatEvent, ctx: ApplyContext): void {
  switch (event.type) {
    case "new_message":
    case "message_updated": {
      // message_updated (edit, delete for everyone, reaction) replaces the same message by id.
      const msg = event.data;
      const key = keys.messages.list(msg.conversationId);
      qc.setQueryData<MessagesData>(key, (d) => upsertMessage(d, msg));
      restartIfFetching(qc, key);
      if (event.type === "new_message" && msg.senderType === "LEAD") clearTyping(qc, msg.conversationId);
      return;
    }
    case "message_status": {
      const ev = event.data;
      const key = keys.messages.list(ev.conversationId);
      qc.setQueryData<MessagesData>(key, (d) => applyMessageStatus(d, ev));
      restartIfFetching(qc, key);
      return;
    }
    case "conversation_updated": {
      const before = previousConversation(qc, event.data.id);
      // Events built from rows in hand may not know the ticket's source: keep the one shown.
      const conv =
        event.data.ticketSource == null && before?.currentTicketId === event.data.currentTicketId
          ? { ...event.data, ticketSource: before.ticketSource }
          : event.data;
      upsertConversationEverywhere(qc, conv, ctx.meId);
      // A ticket opened, closed or reopened: the lead's journey changed too.
      if (before && (before.currentTicketId !== conv.currentTicketId || before.ticketStatus !== conv.ticketStatus)) {
        void qc.invalidateQueries({ queryKey: keys.leads.detail(conv.lead.id) });
      }
      return;
    }
    case "conversation_hidden": {
      // Assigned away from this agent (the organization hides colleagues' conversations): it
      // leaves every list, and an open chat says so. Its new assignee keeps it.
      const { conversationId, assigneeId } = event.data;
      if (assigneeId === ctx.meId) return;
      for (const [key, data] of qc.getQueriesData<ConversationsData>({ queryKey: keys.conversations.lists() })) {
        // A list fetch in flight may have read before the reassignment: it would bring the row back.
        restartIfFetching(qc, key);
        if (!data?.pages.some((p) => p.items.some((c) => c.id === conversationId))) continue;
        qc.setQueryData<ConversationsData>(key, {
          ...data,
          pages: data.pages.map((p) => ({ ...p, items: p.items.filter((c) => c.id !== conversationId) })),
        });
      }
      qc.setQueryData(keys.hidden(conversationId), true);
      return;
    }
    case "instance_updated": {
      const ev = event.data;
      const list = qc.getQueryData<Instance[]>(keys.instances());
      if (!list) return; // not loaded yet: the first fetch has the new status
      const next = applyInstanceStatus(list, ev);
      if (next !== list) qc.setQueryData(keys.instances(), next);
      // An instance this tab has never seen (added by another admin): fetch the list again.
      else if (!list.some((i) => i.id === ev.id)) void qc.invalidateQueries({ queryKey: keys.instances() });
      return;
    }
    case "typing": {
      const t = event.data;
      // Our own typing echoes back on the channel: not worth showing.
      if (t.senderType === "USER" && t.userId && t.userId === ctx.meId) return;
      const id = t.conversationId;
      const prev = typingTimers.get(id);
      if (prev) clearTimeout(prev);
      if (!t.isTyping) {
        clearTyping(qc, id);
        return;
      }
      const state: TypingState = {
        isTyping: true,
        senderType: t.senderType,
        userId: t.userId,
        userName: t.userName,
        at: Date.now(),
      };
      qc.setQueryData(keys.typing(id), state);
      typingTimers.set(
        id,
        setTimeout(() => clearTyping(qc, id), TYPING_TTL_MS),
      );
      return;
    }
  }
}

function clearTyping(qc: QueryClient, conversationId: string): void {
  const timer = typingTimers.get(conversationId);
  if (timer) clearTimeout(timer);
  typingTimers.delete(conversationId);
  if (qc.getQueryData(keys.typing(conversationId))) qc.setQueryData(keys.typing(conversationId), null);
}

/** After a (re)subscribe that did not recover the missed publications, refetch what those
 * publications could have changed. */
export function invalidateAfterGap(qc: QueryClient, channel: string): void {
  // Anything read before the subscription became active may predate a publication that was
  // never delivered, including a fetch still in flight (TanStack restarts it). No timestamp can
  // tell: a fetch that finished after the gap began may have read its snapshot before it.
  // The organization's feed, or a restricted agent's (chat:agents: and chat:user:).
  if (/^chat:(org|agents|user):/.test(channel)) {
    void qc.invalidateQueries({ queryKey: keys.conversations.all() });
    void qc.invalidateQueries({ queryKey: keys.messages.all() });
    void qc.invalidateQueries({ queryKey: keys.instances() });
  } else if (channel.startsWith("chat:conversation:")) {
    const id = channel.slice("chat:conversation:".length);
    void qc.invalidateQueries({ queryKey: keys.messages.list(id) });
    void qc.invalidateQueries({ queryKey: keys.conversations.detail(id) });
    qc.setQueryData(keys.typing(id), null);
  }
}
