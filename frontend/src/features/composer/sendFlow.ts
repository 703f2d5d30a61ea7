// Optimistic send: the bubble appears at once (PENDING, keyed by clientId), then the server's
// copy replaces it, whether the HTTP answer or the real-time new_message arrives first.
import type { QueryClient } from "@tanstack/react-query";
import { NetworkError } from "../../api/client";
import { bumpConversationEverywhere, patchConversationEverywhere } from "../../api/conversations";
import { keys } from "../../api/keys";
import { postMessage, type SendTextBody } from "../../api/messages";
import { outbox } from "../../api/outbox";
import type { Message, MessageType } from "../../api/types";
import { LOCAL_ID_PREFIX, updateMessage, upsertMessage, type MessagesData } from "../../realtime/cacheOps";

export interface SendInput {
  conversationId: string;
  content: string;
  replyTo?: Message | null;
  file?: File | null;
  sender: { id: string; name: string };
}

export interface SendDeps {
  post: (body: SendTextBody, file: File | null) => Promise<Message>;
  isOnline: () => boolean;
  uuid: () => string;
  now: () => Date;
  onError: (err: unknown) => void;
  meId: string | null;
}

export const MAX_NETWORK_ATTEMPTS = 3;
export const NETWORK_RETRY_MS = 3000;

function uuid(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Non-secure contexts (plain http on a LAN IP) have no randomUUID.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const defaultDeps = (onError: (err: unknown) => void, meId: string | null): SendDeps => ({
  post: postMessage,
  isOnline: () => (typeof navigator === "undefined" ? true : navigator.onLine),
  uuid,
  now: () => new Date(),
  onError,
  meId,
});

export function messageTypeForFile(file: File): MessageType {
  if (file.type.startsWith("image/")) return "IMAGE";
  if (file.type.startsWith("video/")) return "VIDEO";
  if (file.type.startsWith("audio/")) return "AUDIO";
  return "DOCUMENT";
}

export function buildOptimistic(input: SendInput, clientId: string, now: Date): Message {
  const file = input.file ?? null;
  const iso = now.toISOString();
  return {
    id: `${LOCAL_ID_PREFIX}${clientId}`,
    conversationId: input.conversationId,
    ticketId: null,
    senderType: "USER",
    senderId: input.sender.id,
    senderName: input.sender.name,
    messageType: file ? messageTypeForFile(file) : "TEXT",
    content: input.content,
    media: file
      ? {
          url: typeof URL.createObjectURL === "function" ? URL.createObjectURL(file) : "",
          mimeType: file.type || null,
          fileName: file.name,
          size: file.size,
        }
      : null,
    status: "PENDING",
    externalId: null,
    clientId,
    note: false,
    replyTo: input.replyTo
      ? {
          id: input.replyTo.id,
          content: input.replyTo.content,
          senderType: input.replyTo.senderType,
          senderId: input.replyTo.senderId,
          senderName: input.replyTo.senderName,
          messageType: input.replyTo.messageType,
        }
      : null,
    error: null,
    edited: false,
    deleted: false,
    reactions: [],
    metadata: {},
    sentAt: iso,
    createdAt: iso,
  };
}

function putMessage(qc: QueryClient, msg: Message): void {
  qc.setQueryData<MessagesData>(keys.messages.list(msg.conversationId), (d) =>
    upsertMessage(d ?? { pages: [{ items: [], nextCursor: null }], pageParams: [null] }, msg),
  );
}

function setLocalStatus(qc: QueryClient, m: Message, status: "PENDING" | "FAILED", error: string | null): void {
  qc.setQueryData<MessagesData>(keys.messages.list(m.conversationId), (d) =>
    updateMessage(d, (x) => x.clientId === m.clientId && x.id.startsWith(LOCAL_ID_PREFIX), (x) => ({ ...x, status, error })),
  );
  const entry = outbox.get(m.clientId!);
  if (entry) entry.message = { ...entry.message, status, error };
}

/** The list row's ticks follow our last message until the server's conversation_updated. */
function setPreviewStatus(qc: QueryClient, m: Message, status: Message["status"]): void {
  patchConversationEverywhere(qc, m.conversationId, (c) =>
    c.lastMessageAt === m.createdAt && c.lastMessageSenderType === "USER" ? { ...c, lastMessageStatus: status } : c,
  );
}

/** Show the bubble now and try to deliver it. Returns the clientId. */
export function sendMessage(qc: QueryClient, input: SendInput, deps: SendDeps): Promise<string> {
  const clientId = deps.uuid();
  const optimistic = buildOptimistic(input, clientId, deps.now());
  outbox.set({ message: optimistic, file: input.file ?? null, attempts: 0 });
  putMessage(qc, optimistic);
  bumpConversationEverywhere(
    qc,
    input.conversationId,
    (c) => ({
      ...c,
      lastMessageAt: optimistic.createdAt,
      lastMessagePreview: input.content || input.file?.name || "",
      lastMessageSenderType: "USER",
      lastMessageStatus: "PENDING",
    }),
    deps.meId,
  );
  return deliver(qc, clientId, deps).then(() => clientId);
}

/** POST an outbox entry; network failures keep it PENDING (sent when back online). */
export async function deliver(qc: QueryClient, clientId: string, deps: SendDeps): Promise<void> {
  const entry = outbox.get(clientId);
  if (!entry) return;
  const m = entry.message;
  if (!deps.isOnline()) return; // flushed by the "online" listener
  entry.attempts++;
  try {
    const saved = await deps.post(
      { conversationId: m.conversationId, content: m.content ?? "", clientId, replyToId: m.replyTo?.id },
      entry.file,
    );
    outbox.delete(clientId);
    putMessage(qc, saved);
    setPreviewStatus(qc, m, saved.status);
  } catch (err) {
    if (err instanceof NetworkError && entry.attempts < MAX_NETWORK_ATTEMPTS) {
      if (deps.isOnline()) setTimeout(() => void deliver(qc, clientId, deps), NETWORK_RETRY_MS);
      return;
    }
    setLocalStatus(qc, m, "FAILED", err instanceof Error ? err.message : String(err));
    setPreviewStatus(qc, m, "FAILED");
    deps.onError(err);
  }
}

/** Retry a message that never reached the server (same clientId: the server dedupes). */
export function retryLocal(qc: QueryClient, m: Message, deps: SendDeps): Promise<void> {
  const entry = outbox.get(m.clientId ?? "");
  if (!entry) return Promise.resolve();
  entry.attempts = 0;
  setLocalStatus(qc, m, "PENDING", null);
  return deliver(qc, m.clientId!, deps);
}

/** Deliver everything still waiting (called when the browser comes back online). */
export function flushOutbox(qc: QueryClient, deps: SendDeps): void {
  for (const e of outbox.all()) {
    if (e.message.status === "PENDING") {
      e.attempts = 0;
      void deliver(qc, e.message.clientId!, deps);
    }
  }
}
