import { memo } from "react";
import type { Message } from "../../api/types";
import { Icon } from "../../components/ui/Icon";
import { RichText } from "../../components/ui/RichText";
import { Ticks } from "../../components/ui/Ticks";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { MessageContent, typeLabel } from "./MessageContent";
import { NoteBubble } from "./NoteBubble";
import { quoteAuthor } from "./quoteAuthor";
import { useSwipeToReply } from "./swipe";
import { SystemNote } from "./SystemNote";

interface Props {
  message: Message;
  meId: string;
  onRetry: (m: Message) => void;
  onReply?: ((m: Message) => void) | undefined;
  /** The lead's name as the chat shows it, for quotes of the lead's messages. */
  leadName?: string | null | undefined;
}

export const MessageBubble = memo(function MessageBubble({ message: m, meId, onRetry, onReply, leadName }: Props) {
  const t = useT();
  const f = useFormat();
  const swipe = useSwipeToReply(onReply && !m.deleted && m.senderType !== "SYSTEM" && !m.note ? () => onReply(m) : undefined);
  if (m.senderType === "SYSTEM") return <SystemNote message={m} />;
  if (m.note) return <NoteBubble message={m} />;
  const outgoing = m.senderType === "USER" || m.senderType === "AI";
  const showSender = outgoing && m.senderId !== meId && !!m.senderName;
  const failed = m.status === "FAILED";
  // no answer from WhatsApp in time: maybe sent; "try again" checks and reuses its WhatsApp id
  const unknown = m.status === "UNKNOWN";
  return (
    <div className={`bubble-row ${outgoing ? "out" : "in"}`}>
      <div
        className={`bubble ${outgoing ? "bubble-out" : "bubble-in"}${failed ? " bubble-failed" : ""}`}
        data-testid="message-bubble"
        data-message-id={m.id}
        data-client-id={m.clientId ?? undefined}
        data-status={m.status}
        data-sender={m.senderType}
        {...swipe}
      >
        {showSender && <div className="bubble-sender">{m.senderType === "AI" ? `AI · ${m.senderName}` : m.senderName}</div>}
        {m.replyTo && (
          <div className="quote" data-testid="quoted-reply">
            <div className="quote-author">{quoteAuthor(m.replyTo, meId, leadName, t)}</div>
            <div className="quote-text">{m.replyTo.content ? <RichText text={m.replyTo.content} /> : typeLabel(m.replyTo.messageType, t)}</div>
          </div>
        )}
        {m.deleted ? (
          <div className="deleted" data-testid="message-deleted">
            {t("msg.deleted")}
          </div>
        ) : (
          <MessageContent message={m} author={quoteAuthor(m, meId, leadName, t)} />
        )}
        <div className="bubble-meta">
          {/* a space in the text (not drawn: flex item whitespace): screen readers, copying and
              text search read "mensagem 8 00:25", not "mensagem 800:25" */}
          {" "}
          {m.edited && !m.deleted && <span className="edited">{t("msg.edited")}</span>}
          <time dateTime={m.sentAt || m.createdAt}>{f.time(m.sentAt || m.createdAt)}</time>
          {outgoing && <Ticks status={m.status} />}
        </div>
        {m.reactions.length > 0 && (
          <div className="reactions" data-testid="reactions">
            {m.reactions.map((r, i) => (
              <span key={i} className={r.fromMe ? "mine" : undefined}>
                {r.emoji}
              </span>
            ))}
          </div>
        )}
        {onReply && !m.deleted && (
          <button className="bubble-reply" onClick={() => onReply(m)} aria-label={t("msg.reply")} title={t("msg.reply")}>
            <Icon name="reply" size={16} />
          </button>
        )}
      </div>
      {(failed || unknown) && outgoing && (
        <div className="failed-row" role="alert">
          <span title={m.error === "interrupted" ? undefined : (m.error ?? undefined)}>
            {unknown ? t("msg.unknown") : m.error === "interrupted" ? t("msg.interrupted") : t("msg.failed")}
          </span>
          <button className="link-btn" onClick={() => onRetry(m)} data-testid="retry-button">
            {t("msg.retry")}
          </button>
        </div>
      )}
    </div>
  );
});
