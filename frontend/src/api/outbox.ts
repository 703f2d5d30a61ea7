// Messages typed here that the server may not have yet (optimistic / offline). A refetch of the
// messages query must not wipe them, so the first page is merged with this registry.
import type { Message } from "./types";
import { LOCAL_ID_PREFIX } from "../realtime/cacheOps";

export interface OutboxEntry {
  message: Message; // the optimistic copy (id = "local:<clientId>")
  file: File | null;
  attempts: number;
}

const entries = new Map<string, OutboxEntry>();

export const outbox = {
  get: (clientId: string) => entries.get(clientId),
  set: (entry: OutboxEntry) => void entries.set(entry.message.clientId!, entry),
  delete: (clientId: string) => void entries.delete(clientId),
  forConversation: (conversationId: string): OutboxEntry[] =>
    [...entries.values()].filter((e) => e.message.conversationId === conversationId),
  all: (): OutboxEntry[] => [...entries.values()],
  clear: () => entries.clear(),
};

export function isLocalId(id: string): boolean {
  return id.startsWith(LOCAL_ID_PREFIX);
}
