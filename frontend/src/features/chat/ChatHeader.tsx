import { useMarkUnread } from "../../api/conversations";
import { useReopenTicket } from "../../api/leads";
import type { Conversation, Me } from "../../api/types";
import { Avatar } from "../../components/ui/Avatar";
import { Icon } from "../../components/ui/Icon";
import { showToast } from "../../components/ui/toast";
import { useT } from "../../i18n/i18n";
import { formatPhone, leadDisplayName } from "../../lib/phone";
import { useTyping } from "../../realtime/useTyping";
import { AssignSelect } from "./AssignSelect";
import { ConnectionStatus } from "./ConnectionStatus";
import { FollowUpButton } from "../followups/FollowUpButton";
import { TicketChip } from "./TicketChip";
import { ConversationMenu } from "./ConversationMenu";
import { NumberSelect } from "./NumberSelect";

interface Props {
  me: Me;
  conversation: Conversation | undefined;
  isPhone: boolean;
  onBack: () => void;
  onShowLead: () => void;
  onClose: () => void;
}

export function ChatHeader({ me, conversation: c, isPhone, onBack, onShowLead, onClose }: Props) {
  const t = useT();
  const typing = useTyping(c?.id);
  const reopen = useReopenTicket();
  const unread = useMarkUnread();
  const name = c ? leadDisplayName(c.lead) : "";
  const resolved = c?.ticketStatus === "RESOLVED";

  let sub: string = c ? formatPhone(c.lead.phone) : "";
  let subTyping = false;
  if (typing?.isTyping) {
    subTyping = true;
    sub = typing.senderType === "LEAD" ? t("chat.typing") : t("chat.agentTyping", { name: typing.userName ?? "" });
  }

  return (
    <header className="chat-header" data-testid="chat-header">
      {isPhone && (
        <button className="icon-btn" onClick={onBack} aria-label={t("common.back")} data-testid="back-button">
          <Icon name="back" />
        </button>
      )}
      {c && <Avatar name={name} seed={c.lead.id} size={40} />}
      <button className="chat-title" onClick={onShowLead} title={t("chat.leadInfo")}>
        <span className="chat-name" data-testid="chat-lead-name">
          {name}
        </span>
        <span className={`chat-sub${subTyping ? " typing" : ""}`} data-testid={subTyping ? "typing-indicator" : undefined}>
          {sub}
        </span>
      </button>
      <div className="chat-actions">
        <ConnectionStatus />
        {c && !isPhone && <TicketChip status={c.ticketStatus} />}
        {c && !isPhone && <AssignSelect conversation={c} meId={me.user.id} testId="assign-select" />}
        {c && !isPhone && <NumberSelect conversation={c} />}
        {c && !isPhone && <FollowUpButton conversation={c} />}
        {c && <ConversationMenu conversation={c} />}
        {c && !resolved && c.currentTicketId && (
          <button className="btn btn-small" onClick={onClose} data-testid="close-ticket-button" title="Alt+E">
            {t("ticket.close")}
          </button>
        )}
        {c && resolved && c.currentTicketId && (
          <button
            className="btn btn-small"
            disabled={reopen.isPending}
            onClick={() =>
              reopen.mutate(
                { ticketId: c.currentTicketId!, conversationId: c.id, leadId: c.lead.id },
                { onSuccess: () => showToast(t("ticket.reopened"), "success", 2500) },
              )
            }
            data-testid="reopen-ticket-button"
          >
            {t("ticket.reopen")}
          </button>
        )}
        {c && !isPhone && (
          <button className="icon-btn" onClick={() => unread.mutate(c.id)} title={t("chat.markUnread")} aria-label={t("chat.markUnread")} data-testid="mark-unread-button">
            <Icon name="check" size={18} />
          </button>
        )}
        {isPhone && (
          <button className="icon-btn" onClick={onShowLead} aria-label={t("chat.leadInfo")} data-testid="lead-info-button">
            <Icon name="info" />
          </button>
        )}
      </div>
    </header>
  );
}
