import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData, type QueryKey } from "@tanstack/react-query";
import type { components } from "./schema";
import { ApiError, api } from "./client";
import { keys } from "./keys";
import { outbox } from "./outbox";
import type { Message, Page } from "./types";
import { upsertMessage, updateMessage, type MessagesData } from "../realtime/cacheOps";

export const MESSAGES_PAGE = 50;

/** A page of messages; `newerCursor` leads forward from a page loaded around a message. */
export type MessagePageData = Page<Message> & { newerCursor?: string | null | undefined };

const AROUND = "around:";

/** The page param that opens a chat centred on one message (a search hit). */
export const aroundParam = (messageId: string) => AROUND + messageId;

/** Whether the cached chat stops short of the latest message (it was opened around an older one). */
export function beforeLiveEnd(data: MessagesData | undefined): boolean {
  const first: MessagePageData | undefined = data?.pages[0];
  return !!first?.newerCursor;
}

/**
 * GET /conversations/{id}/messages — pages newest first; local unsent messages kept on refetch.
 * With `aroundId`, the first page is centred on that message and newer pages load (as previous
 * pages) until the latest one; then the chat is the normal one.
 */
export function useMessages(conversationId: string | null, aroundId: string | null = null) {
  return useInfiniteQuery<Page<Message>, Error, MessagesData, QueryKey, string | null>({
    queryKey: keys.messages.list(conversationId ?? ""),
    queryFn: async ({ pageParam, signal }) => {
      const around = pageParam?.startsWith(AROUND) ? pageParam.slice(AROUND.length) : null;
      const page = await api<MessagePageData>(`/conversations/${conversationId}/messages`, {
        signal,
        query: around ? { around, limit: MESSAGES_PAGE } : { cursor: pageParam, limit: MESSAGES_PAGE },
      });
      if (pageParam !== null || !conversationId) return page;
      let data: MessagesData | undefined = { pages: [page], pageParams: [null] };
      for (const e of outbox.forConversation(conversationId)) {
        if (!page.items.some((m) => m.clientId === e.message.clientId)) data = upsertMessage(data, e.message);
      }
      return data!.pages[0]!;
    },
    initialPageParam: aroundId ? aroundParam(aroundId) : null,
    getNextPageParam: (last) => last.nextCursor,
    getPreviousPageParam: (first) => (first as MessagePageData).newerCursor ?? null,
    enabled: !!conversationId,
    staleTime: 30_000,
    // An open chat keeps trying while the server cannot be reached (the list says so); a 4xx is final.
    retry: (_count, err) => !(err instanceof ApiError && err.status < 500),
    retryDelay: (n) => Math.min(1000 * 2 ** n, 8000),
    meta: { silent: true },
  });
}

/** Once the newest loaded page reaches the latest message, refetches start from the latest page. */
export function settleAtLiveEnd(data: MessagesData | undefined): MessagesData | undefined {
  if (!data || data.pageParams[0] === null || data.pages.length === 0 || beforeLiveEnd(data)) return data;
  return { ...data, pageParams: [null, ...data.pageParams.slice(1)] };
}

export interface MessageSearch {
  q: string;
  from: string;
  to: string;
  instanceId: string | null;
}

export type MessageHit = components["schemas"]["MessageHit"];

/** GET /messages/search — message hits for the list's search, newest first. */
export function useMessageSearch(s: MessageSearch) {
  const q = s.q.trim();
  return useInfiniteQuery<Page<MessageHit>, Error, InfiniteData<Page<MessageHit>>, QueryKey, string | null>({
    queryKey: ["messageSearch", q, s.from, s.to, s.instanceId],
    queryFn: ({ pageParam, signal }) =>
      api<Page<MessageHit>>("/messages/search", {
        signal,
        query: {
          q,
          from: s.from || undefined,
          to: s.to || undefined,
          instanceId: s.instanceId ?? undefined,
          cursor: pageParam,
          limit: 20,
        },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled: q.length >= 2 && !(s.from && s.to && s.from > s.to),
    staleTime: 15_000,
  });
}

/** JSON body of POST /whatsapp/messages */
export interface SendTextBody {
  conversationId: string;
  content: string;
  clientId: string;
  replyToId?: string | undefined;
}

/** Files recorded in the browser: sent with `voice=1`, the server makes them a WhatsApp voice note. */
export const voiceRecordings = new WeakSet<File>();

/** POST /whatsapp/messages (JSON or multipart). */
export function postMessage(body: SendTextBody, file: File | null): Promise<Message> {
  if (!file) return api<Message>("/whatsapp/messages", { json: body });
  const form = new FormData();
  form.set("conversationId", body.conversationId);
  form.set("clientId", body.clientId);
  if (body.replyToId) form.set("replyToId", body.replyToId);
  if (body.content) form.set("caption", body.content);
  if (voiceRecordings.has(file)) form.set("voice", "1");
  form.set("file", file, file.name);
  return api<Message>("/whatsapp/messages", { form });
}

/** POST /whatsapp/messages/{id}/retry */
export function useRetryMessage() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (m: Message) => api<Message>(`/whatsapp/messages/${m.id}/retry`, { method: "POST" }),
    onMutate: (m) => {
      qc.setQueryData<MessagesData>(keys.messages.list(m.conversationId), (d) =>
        updateMessage(d, (x) => x.id === m.id, (x) => ({ ...x, status: "PENDING", error: null })),
      );
    },
    onSuccess: (msg) => {
      qc.setQueryData<MessagesData>(keys.messages.list(msg.conversationId), (d) => upsertMessage(d, msg));
    },
    onError: (_e, m) => {
      qc.setQueryData<MessagesData>(keys.messages.list(m.conversationId), (d) =>
        updateMessage(d, (x) => x.id === m.id, (x) => (x.status === "PENDING" ? { ...x, status: "FAILED" } : x)),
      );
    },
  });
}
