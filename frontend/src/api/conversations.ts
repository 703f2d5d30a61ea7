import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";
import { api } from "./client";
import { keys, normalizeFilters } from "./keys";
import type { Conversation, ConversationFilters, Page, Priority } from "./types";
import { patchConversation, upsertConversation, type ConversationsData } from "../realtime/cacheOps";

export const CONVERSATIONS_PAGE = 50;

/** GET /conversations (cursor pagination). */
export function useConversations(filters: ConversationFilters) {
  const f = normalizeFilters(filters);
  return useInfiniteQuery<Page<Conversation>, Error, ConversationsData, QueryKey, string | null>({
    queryKey: keys.conversations.list(f),
    queryFn: ({ pageParam, signal }) =>
      api<Page<Conversation>>("/conversations", {
        signal,
        query: {
          instance_id: f.instanceId,
          ticket_status: f.ticketStatus,
          unread: f.unread ? "true" : undefined,
          assigned: f.assigned,
          snoozed: f.snoozed ? "true" : undefined,
          priority: f.priority,
          q: f.q,
          source: f.source,
          campaign: f.campaign,
          order: f.order ?? "recent",
          cursor: pageParam,
          limit: CONVERSATIONS_PAGE,
        },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** GET /conversations/{id} */
export function useConversation(id: string | null) {
  const qc = useQueryClient();
  // Explicit: TypeScript 5.9 (typescript-eslint's) infers the data type from placeholderData's function.
  return useQuery<Conversation>({
    queryKey: keys.conversations.detail(id ?? ""),
    queryFn: ({ signal }) => api<Conversation>(`/conversations/${id}`, { signal }),
    enabled: !!id,
    // A row already in a list is enough to paint the header at once.
    placeholderData: () => (id ? findConversation(qc, id) : undefined),
  });
}

export function findConversation(qc: QueryClient, id: string): Conversation | undefined {
  const detail = qc.getQueryData<Conversation>(keys.conversations.detail(id));
  if (detail) return detail;
  for (const [, data] of qc.getQueriesData<ConversationsData>({ queryKey: keys.conversations.lists() })) {
    const hit = data?.pages.flatMap((p) => p.items).find((c) => c.id === id);
    if (hit) return hit;
  }
  return undefined;
}

/** Apply a local change to a conversation in every cached list and its detail. */
export function patchConversationEverywhere(qc: QueryClient, id: string, patch: (c: Conversation) => Conversation): void {
  qc.setQueryData<Conversation>(keys.conversations.detail(id), (c) => (c ? patch(c) : c));
  for (const [key, data] of qc.getQueriesData<ConversationsData>({ queryKey: keys.conversations.lists() })) {
    const next = patchConversation(data, id, patch);
    if (next !== data) qc.setQueryData(key, next);
  }
}

/**
 * A local change that also moves the row (our own message): each list re-sorts its own copy,
 * so a stale detail copy never overwrites fresher list data (e.g. unread counts).
 */
export function bumpConversationEverywhere(
  qc: QueryClient,
  id: string,
  patch: (c: Conversation) => Conversation,
  meId: string | null,
): void {
  qc.setQueryData<Conversation>(keys.conversations.detail(id), (c) => (c ? patch(c) : c));
  for (const [key, data] of qc.getQueriesData<ConversationsData>({ queryKey: keys.conversations.lists() })) {
    const own = data?.pages.flatMap((p) => p.items).find((c) => c.id === id);
    if (!own) continue;
    const next = upsertConversation(data, patch(own), key[2] ?? {}, meId);
    if (next !== data) qc.setQueryData(key, next);
  }
}

/** POST /conversations/{id}/read */
export function useMarkRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<unknown>(`/conversations/${id}/read`, { method: "POST" }),
    onMutate: (id) => patchConversationEverywhere(qc, id, (c) => ({ ...c, unreadCount: 0 })),
    onSuccess: (_r, id) => patchConversationEverywhere(qc, id, (c) => ({ ...c, unreadCount: 0 })),
    meta: { silent: true },
  });
}

/** POST /conversations/{id}/unread */
export function useMarkUnread() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<unknown>(`/conversations/${id}/unread`, { method: "POST" }),
    onMutate: (id) => patchConversationEverywhere(qc, id, (c) => ({ ...c, unreadCount: Math.max(1, c.unreadCount) })),
  });
}

/** POST /conversations/{id}/assign */
export function useAssign() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { conversationId: string; userId: string | null }) =>
      api<unknown>(`/conversations/${v.conversationId}/assign`, { json: { userId: v.userId } }),
    onSuccess: (_r, v) => {
      void qc.invalidateQueries({ queryKey: keys.conversations.detail(v.conversationId) });
      void qc.invalidateQueries({ queryKey: keys.conversations.lists() });
    },
  });
}

/** PATCH /conversations/{id} {priority} */
export function useSetPriority() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { conversationId: string; priority: Priority }) =>
      api<Conversation>(`/conversations/${v.conversationId}`, { method: "PATCH", json: { priority: v.priority } }),
    onSuccess: (conv) => patchConversationEverywhere(qc, conv.id, () => conv),
  });
}

/** POST /conversations/{id}/snooze {until}, or DELETE to wake it (until null). */
export function useSnooze() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { conversationId: string; until: string | null }) =>
      v.until
        ? api<Conversation>(`/conversations/${v.conversationId}/snooze`, { json: { until: v.until } })
        : api<Conversation>(`/conversations/${v.conversationId}/snooze`, { method: "DELETE" }),
    onSuccess: (conv) => {
      qc.setQueryData(keys.conversations.detail(conv.id), conv);
      void qc.invalidateQueries({ queryKey: keys.conversations.lists() });
    },
  });
}

/** POST /conversations/{id}/typing — fire and forget. */
export function postTyping(conversationId: string, isTyping: boolean): Promise<unknown> {
  return api<unknown>(`/conversations/${conversationId}/typing`, { json: { isTyping } }).catch(() => undefined);
}
