import type { Conversation } from "../../api/types";
import type { MessageKey } from "../../i18n/ptBR";
import { stripWhatsApp } from "../../lib/whatsappFormat";

type Translate = (key: MessageKey) => string;

/** Text kinds have no label; every other kind is named in the reader's language. */
const KIND_LABEL: Partial<Record<NonNullable<Conversation["lastMessageType"]>, MessageKey>> = {
  IMAGE: "list.kind.IMAGE",
  VIDEO: "list.kind.VIDEO",
  AUDIO: "list.kind.AUDIO",
  DOCUMENT: "list.kind.DOCUMENT",
  STICKER: "list.kind.STICKER",
  LOCATION: "list.kind.LOCATION",
  CONTACT: "list.kind.CONTACT",
};

/**
 * The list's one-line preview of the last message: the lead's reaction emoji (when the last
 * thing was a reaction), the kind's label ("📷 Photo"), then the text. "" when there is nothing.
 */
export function previewText(
  c: Pick<Conversation, "lastMessagePreview" | "lastMessageType" | "lastMessageReaction">,
  t: Translate,
): string {
  const key = c.lastMessageType ? KIND_LABEL[c.lastMessageType] : undefined;
  const label = key ? t(key) : "";
  const text = c.lastMessagePreview ? stripWhatsApp(c.lastMessagePreview) : "";
  const body = label && text ? `${label} · ${text}` : label || text;
  return c.lastMessageReaction && body ? `${c.lastMessageReaction} ${body}` : body;
}
