import { useInfiniteQuery, useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { ApiError, api } from "./client";
import { keys } from "./keys";
import { outbox } from "./outbox";
import type { Message, Page } from "./types";
import { upsertMessage, updateMessage, type MessagesData } from "../realtime/cacheOps";

export const MESSAGES_PAGE = 50;

/** GET /conversations/{id}/messages — pages newest first; local unsent messages kept on refetch. */
export function useMessages(conversationId: string | null) {
  return useInfiniteQuery<Page<Message>, Error, MessagesData, QueryKey, string | null>({
    queryKey: keys.messages.list(conversationId ?? ""),
    queryFn: async ({ pageParam, signal }) => {
      const page = await api<Page<Message>>(`/conversations/${conversationId}/messages`, {
        signal,
        query: { cursor: pageParam, limit: MESSAGES_PAGE },
      });
      if (pageParam !== null || !conversationId) return page;
      let data: MessagesData | undefined = { pages: [page], pageParams: [null] };
      for (const e of outbox.forConversation(conversationId)) {
        if (!page.items.some((m) => m.clientId === e.message.clientId)) data = upsertMessage(data, e.message);
      }
      return data!.pages[0]!;
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled: !!conversationId,
    staleTime: 30_000,
    // An open chat keeps trying while the server cannot be reached (the list says so); a 4xx is final.
    retry: (_count, err) => !(err instanceof ApiError && err.status < 500),
    retryDelay: (n) => Math.min(1000 * 2 ** n, 8000),
    meta: { silent: true },
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
