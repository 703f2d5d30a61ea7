import type { QueryClient } from "@tanstack/react-query";
import { upsertMessage, type MessagesData } from "../realtime/cacheOps";
import { api } from "./client";
import { keys } from "./keys";
import type { Message } from "./types";

export interface NoteBody {
  content: string;
  mentions: string[];
  clientId: string;
}

/** POST /conversations/{id}/notes: an internal note, never sent to WhatsApp. */
export async function postNote(qc: QueryClient, conversationId: string, body: NoteBody): Promise<Message> {
  const note = await api<Message>(`/conversations/${conversationId}/notes`, { json: body });
  qc.setQueryData<MessagesData>(keys.messages.list(conversationId), (d) => upsertMessage(d, note));
  return note;
}

/** The note names me (`metadata.mentions`). */
export function mentionsUser(m: Pick<Message, "note" | "metadata">, userId: string): boolean {
  if (!m.note) return false;
  const mentions = (m.metadata as { mentions?: { userId: string }[] } | null)?.mentions ?? [];
  return mentions.some((x) => x.userId === userId);
}
