import { memo } from "react";
import type { Conversation, Me } from "../../api/types";
import { Avatar } from "../../components/ui/Avatar";
import { Ticks } from "../../components/ui/Ticks";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { leadDisplayName } from "../../lib/phone";
import { useTyping } from "../../realtime/useTyping";
import { TicketChip } from "../chat/TicketChip";
import { sourceLabel } from "../chat/ticketLabel";
import { AssigneeBadge } from "./AssigneeBadge";
import { WaitingTimer } from "./WaitingTimer";
import { previewText } from "./preview";
import { waitingThresholds } from "./waiting";

interface Props {
  conversation: Conversation;
  me: Me;
  selected: boolean;
  onSelect: (id: string) => void;
}

export const ConversationRow = memo(function ConversationRow({ conversation: c, me, selected, onSelect }: Props) {
  const t = useT();
  const f = useFormat();
  const typing = useTyping(c.id);
  const name = leadDisplayName(c.lead);
  const fromUs = c.lastMessageSenderType === "USER" || c.lastMessageSenderType === "AI";
  const leadTyping = typing?.isTyping && typing.senderType === "LEAD";
  const preview = previewText(c, t);
  return (
    <button
      type="button"
      role="option"
      aria-selected={selected}
      className={`conv-row${selected ? " selected" : ""}${c.unreadCount > 0 ? " unread" : ""}`}
      onClick={() => onSelect(c.id)}
      data-testid="conversation-row"
      data-conversation-id={c.id}
      data-unread={c.unreadCount}
    >
      <Avatar name={name} seed={c.lead.id} />
      <span className="conv-main">
        <span className="conv-line">
          <span className="conv-name">{name}</span>
          {c.ticketSource && (
            <span className={`source-badge source-${c.ticketSource}`} data-testid="source-badge">
              {sourceLabel(c.ticketSource, t)}
            </span>
          )}
          <span className="conv-time">{c.lastMessageAt ? f.listTime(c.lastMessageAt) : ""}</span>
        </span>
        <span className="conv-line">
          {leadTyping ? (
            <span className="conv-preview typing" data-testid="conversation-typing">
              {t("list.typing")}
            </span>
          ) : (
            <span className="conv-preview">
              {fromUs && c.lastMessageStatus && <Ticks status={c.lastMessageStatus} small />}
              {fromUs && <span className="conv-you">{t("list.you")}</span>}
              {preview || <i>{t("list.noMessages")}</i>}
            </span>
          )}
          <span className="conv-badges">
            {/* OPEN is the usual state: only the others are worth a chip. */}
            {c.ticketStatus !== "OPEN" && <TicketChip status={c.ticketStatus} small />}
            {c.waitingSince && c.ticketStatus !== "RESOLVED" && (
              <WaitingTimer since={c.waitingSince} thresholds={waitingThresholds(me.organization)} />
            )}
            {c.priority !== "none" && (
              <span className={`priority-badge priority-${c.priority}`} data-testid="priority-badge" data-priority={c.priority}>
                {t(`priority.${c.priority}`)}
              </span>
            )}
            <AssigneeBadge assignee={c.assignee} />
            {c.unreadCount > 0 && (
              <span className="unread-badge" aria-label={t("list.unread", { count: c.unreadCount })} data-testid="unread-badge">
                {c.unreadCount}
              </span>
            )}
          </span>
        </span>
      </span>
    </button>
  );
});
