// Pure functions that fold server data into cached query data. No React, no I/O:
// the realtime module, the send flow and the tests all go through these.
import type { InfiniteData } from "@tanstack/react-query";
import type {
  Conversation,
  ConversationFilters,
  Instance,
  InstanceUpdatedEvent,
  Message,
  MessageStatus,
  MessageStatusEvent,
  Page,
} from "../api/types";
import { isSnoozed } from "../api/types";

export type MessagesData = InfiniteData<Page<Message>, string | null>;
export type ConversationsData = InfiniteData<Page<Conversation>, string | null>;

/** Optimistic messages carry "local:<clientId>" until the server's copy replaces them. */
export const LOCAL_ID_PREFIX = "local:";

/** Stable React key: an optimistic bubble keeps its key when the server id arrives. */
export function messageKey(m: Pick<Message, "id" | "clientId">): string {
  return m.clientId ?? m.id;
}

const STATUS_RANK: Record<MessageStatus, number> = {
  PENDING: 0,
  FAILED: 1,
  UNKNOWN: 1.5, // no answer in time: a receipt (SENT and up) still moves it on
  SENT: 2,
  DELIVERED: 3,
  READ: 4,
};

/** Receipts only move forward (never READ -> DELIVERED); a FAILED message may still become SENT. */
export function mergeStatus(current: MessageStatus, incoming: MessageStatus): MessageStatus {
  return STATUS_RANK[incoming] >= STATUS_RANK[current] ? incoming : current;
}

export function mergeMessage(existing: Message, incoming: Message): Message {
  const status = mergeStatus(existing.status, incoming.status);
  return {
    ...existing,
    ...incoming,
    // Never trade a server id back for the optimistic one.
    id: incoming.id.startsWith(LOCAL_ID_PREFIX) && !existing.id.startsWith(LOCAL_ID_PREFIX) ? existing.id : incoming.id,
    // A blob: preview stays until the server gives a real URL.
    media: incoming.media ?? existing.media,
    clientId: incoming.clientId ?? existing.clientId,
    status,
    error: status === "FAILED" ? (incoming.error ?? existing.error) : null,
  };
}

function sameMessage(a: Message, b: Message): boolean {
  return a.id === b.id || (a.clientId !== null && a.clientId === b.clientId);
}

function isNewerOrEqual(a: Message, b: Message): boolean {
  return (a.createdAt || a.sentAt) >= (b.createdAt || b.sentAt);
}

/**
 * Insert or merge a message into the pages (newest first). Matches by id, or by clientId so an
 * optimistic bubble and the server's copy become one, whichever arrives first.
 */
export function upsertMessage(data: MessagesData | undefined, msg: Message): MessagesData | undefined {
  if (!data) return data;
  let found = false;
  const pages = data.pages.map((page) => {
    if (found) return page;
    const idx = page.items.findIndex((m) => sameMessage(m, msg));
    if (idx < 0) return page;
    found = true;
    const items = page.items.slice();
    items[idx] = mergeMessage(items[idx]!, msg);
    return { ...page, items };
  });
  if (found) return { ...data, pages };
  // A chat opened around an older message holds no latest page yet: the message comes with the
  // newer pages as the reader scrolls down (inserting it here would place it among old ones).
  if ((pages[0] as { newerCursor?: string | null } | undefined)?.newerCursor) return data;
  const first = pages[0] ?? { items: [], nextCursor: null };
  const items = first.items.slice();
  let at = items.findIndex((m) => isNewerOrEqual(msg, m));
  if (at < 0) at = items.length;
  items.splice(at, 0, msg);
  const rest = pages.slice(1);
  return {
    ...data,
    pages: [{ ...first, items }, ...rest],
    pageParams: data.pageParams.length ? data.pageParams : [null],
  };
}

export function updateMessage(
  data: MessagesData | undefined,
  match: (m: Message) => boolean,
  update: (m: Message) => Message,
): MessagesData | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.items.some(match)) return page;
    changed = true;
    return { ...page, items: page.items.map((m) => (match(m) ? update(m) : m)) };
  });
  return changed ? { ...data, pages } : data;
}

export function applyMessageStatus(data: MessagesData | undefined, ev: MessageStatusEvent): MessagesData | undefined {
  return updateMessage(
    data,
    (m) => m.id === ev.messageId,
    (m) => {
      const status = mergeStatus(m.status, ev.status);
      return {
        ...m,
        status,
        externalId: ev.externalId ?? m.externalId,
        error: status === "FAILED" ? (ev.error ?? m.error) : null,
      };
    },
  );
}

export function flattenMessages(data: MessagesData | undefined): Message[] {
  if (!data) return [];
  const out: Message[] = [];
  for (let p = data.pages.length - 1; p >= 0; p--) {
    const items = data.pages[p]!.items;
    for (let i = items.length - 1; i >= 0; i--) out.push(items[i]!);
  }
  return out; // oldest first, as displayed
}

// ---- conversations --------------------------------------------------------

function sortTime(c: Conversation): string {
  return c.lastMessageAt ?? c.createdAt;
}

/**
 * Filters only the server can check: search, and the current ticket's source and campaign (an
 * event may not carry the source, never the campaign). A list with one of them is refetched on
 * events instead of gaining rows here.
 */
export function hasServerOnlyFilters(f: ConversationFilters): boolean {
  return !!(f.q?.trim() || f.source || f.campaign?.trim());
}

/** true/false when the filters can be checked here; null when only the server knows (search, origin). */
export function matchesFilters(c: Conversation, f: ConversationFilters, meId: string | null): boolean | null {
  if (f.instanceId && c.instanceId !== f.instanceId) return false;
  if (f.ticketStatus && c.ticketStatus !== f.ticketStatus) return false;
  if (!!f.snoozed !== isSnoozed(c)) return false;
  if (f.priority && c.priority !== f.priority) return false;
  if (f.unread && c.unreadCount <= 0) return false;
  if (f.assigned === "me" && (!meId || c.assignee?.id !== meId)) return false;
  if (f.assigned === "unassigned" && c.assignee) return false;
  if (f.order === "waiting" && !c.waitingSince) return false;
  // A known source that differs is a certain miss; a match (or an unknown source) is the server's to say.
  if (f.source && c.ticketSource && c.ticketSource !== f.source) return false;
  if (hasServerOnlyFilters(f)) return null;
  return true;
}

/**
 * Upsert a conversation into a cached list and keep it sorted by last activity (newest first):
 * a conversation with a new message moves to the top. Rows that no longer match the list's
 * filters leave it; a row that would sort past the loaded pages waits for pagination.
 */
export function upsertConversation(
  data: ConversationsData | undefined,
  conv: Conversation,
  filters: ConversationFilters,
  meId: string | null,
): ConversationsData | undefined {
  if (!data) return data;
  const wasPresent = data.pages.some((p) => p.items.some((c) => c.id === conv.id));
  const match = matchesFilters(conv, filters, meId);
  const keep = match === true || (match === null && wasPresent);
  let pages = data.pages.map((p) =>
    p.items.some((c) => c.id === conv.id) ? { ...p, items: p.items.filter((c) => c.id !== conv.id) } : p,
  );
  if (!keep) return wasPresent ? { ...data, pages } : data;
  // The waiting view is oldest waitingSince first; every other list newest activity first.
  const waiting = filters.order === "waiting";
  const key = waiting ? (conv.waitingSince ?? "") : sortTime(conv);
  const goesBefore = (c: Conversation) => (waiting ? (c.waitingSince ?? "") > key : sortTime(c) <= key);
  let inserted = false;
  pages = pages.map((p, pi) => {
    if (inserted) return p;
    const idx = p.items.findIndex(goesBefore);
    const isLast = pi === pages.length - 1;
    if (idx < 0 && !(isLast && p.nextCursor === null)) return p;
    inserted = true;
    const items = p.items.slice();
    items.splice(idx < 0 ? items.length : idx, 0, conv);
    return { ...p, items };
  });
  if (!inserted && pages.length === 0) {
    pages = [{ items: [conv], nextCursor: null }];
    return { pages, pageParams: [null] };
  }
  return { ...data, pages };
}

export function patchConversation(
  data: ConversationsData | undefined,
  id: string,
  patch: (c: Conversation) => Conversation,
): ConversationsData | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((p) => {
    if (!p.items.some((c) => c.id === id)) return p;
    changed = true;
    return { ...p, items: p.items.map((c) => (c.id === id ? patch(c) : c)) };
  });
  return changed ? { ...data, pages } : data;
}

export function flattenConversations(data: ConversationsData | undefined): Conversation[] {
  if (!data) return [];
  const seen = new Set<string>();
  const out: Conversation[] = [];
  for (const p of data.pages) {
    for (const c of p.items) {
      if (seen.has(c.id)) continue; // a row that moved between pages while paginating
      seen.add(c.id);
      out.push(c);
    }
  }
  return out;
}

/**
 * Fold a live status (an `instance_updated` event, or a connect/qr/status answer) into the
 * instances list. Returns the same array when nothing changed or the instance is unknown.
 */
export function applyInstanceStatus(
  list: Instance[] | undefined,
  ev: Pick<InstanceUpdatedEvent, "id" | "status" | "phone">,
): Instance[] | undefined {
  if (!list) return list;
  const idx = list.findIndex((i) => i.id === ev.id);
  if (idx < 0) return list;
  const current = list[idx]!;
  const phone = ev.phone ?? current.phone;
  if (current.status === ev.status && current.phone === phone) return list;
  const next = list.slice();
  next[idx] = { ...current, status: ev.status, phone };
  return next;
}
