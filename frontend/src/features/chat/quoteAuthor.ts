import type { ReplyTo } from "../../api/types";
import type { TFunction } from "../../i18n/i18n";

type Author = Pick<ReplyTo, "senderType"> & Partial<Pick<ReplyTo, "senderId" | "senderName">>;

/**
 * Who wrote a quoted message: the lead's current name (as the chat header shows it) for the lead's
 * messages, the colleague's name for a colleague's, "Você"/"You" only for the reader's own.
 */
export function quoteAuthor(reply: Author, meId: string, leadName: string | null | undefined, t: TFunction): string {
  if (reply.senderType === "LEAD") return leadName?.trim() || reply.senderName?.trim() || t("msg.lead");
  if (reply.senderId && reply.senderId === meId) return t("msg.you");
  const name = reply.senderName?.trim();
  if (!name) return t("msg.team"); // sent from the WhatsApp phone itself: no colleague known
  return reply.senderType === "AI" ? `AI · ${name}` : name;
}
