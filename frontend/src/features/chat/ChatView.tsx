import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { keys } from "../../api/keys";
import { useConversation, useMarkRead } from "../../api/conversations";
import { useLead } from "../../api/leads";
import { beforeLiveEnd, useMessages } from "../../api/messages";
import type { MessagesData } from "../../realtime/cacheOps";
import type { ChatEvent, Me, Message } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { useRealtimeListener } from "../../realtime/RealtimeProvider";
import { Composer } from "../composer/Composer";
import { ChatHeader } from "./ChatHeader";
import { CloseTicketDialog } from "./CloseTicketDialog";
import { DisconnectedBanner } from "../inbox/DisconnectedBanner";
import { ConnectionStatus } from "./ConnectionStatus";
import { MessageList } from "./MessageList";
import { useCheckedFile } from "../composer/uploadLimit";

interface Props {
  me: Me;
  conversationId: string | null;
  isPhone: boolean;
  onBack: () => void;
  onShowLead: () => void;
  closeRequest: { andNext: boolean; n: number } | null;
  onClosed: (conversationId: string, andNext: boolean) => void;
  /** A search hit: the chat opens around this message. */
  focusMessageId?: string | null | undefined;
  /** Back to the chat's latest messages (drops the search hit). */
  onLeaveAround?: (() => void) | undefined;
}

export function ChatView(props: Props) {
  const t = useT();
  if (!props.conversationId) {
    return (
      <section className="chat-pane chat-empty">
        <ConnectionStatus />
        <div className="chat-empty-body">
          <h2>{t("chat.empty")}</h2>
          <p>{t("chat.emptyHint")}</p>
          <p className="muted small">{t("chat.shortcuts")}</p>
        </div>
      </section>
    );
  }
  return <OpenChat key={`${props.conversationId}:${props.focusMessageId ?? ""}`} {...props} conversationId={props.conversationId} />;
}

function OpenChat({ me, conversationId: id, isPhone, onBack, onShowLead, closeRequest, onClosed, focusMessageId = null, onLeaveAround }: Props & { conversationId: string }) {
  const t = useT();
  const qc = useQueryClient();
  // A search hit opens the chat from a page around it; a chat opened otherwise does not reuse a
  // copy that stops short of the latest message. Done once, before the messages query starts.
  useState(() => {
    const key = keys.messages.list(id);
    if (focusMessageId || beforeLiveEnd(qc.getQueryData<MessagesData>(key))) qc.removeQueries({ queryKey: key, exact: true });
    return null;
  });
  const { data: conv } = useConversation(id);
  // Set by a conversation_hidden event: assigned away from this agent while open.
  const { data: hidden = false } = useQuery<boolean>({
    queryKey: keys.hidden(id),
    queryFn: () => false,
    enabled: false,
  });
  // Set when the server ended (or refused) this chat's real-time subscription: no access any more.
  const { data: revoked = false } = useQuery<boolean>({
    queryKey: keys.revoked(id),
    queryFn: () => false,
    enabled: false,
  });
  const messages = useMessages(id, focusMessageId);
  const { data: lead } = useLead(conv?.lead.id);
  const { mutate: markRead } = useMarkRead();
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [file, setFileRaw] = useState<File | null>(null);
  const setFile = useCheckedFile(setFileRaw);
  const [dragging, setDragging] = useState(false);
  const [dialog, setDialog] = useState<{ andNext: boolean } | null>(null);
  const [seenRequest, setSeenRequest] = useState(closeRequest?.n);

  // The unread count as the chat opens (before it is marked read) places the unread divider.
  const [unreadAtOpen, setUnreadAtOpen] = useState<number | null>(conv ? conv.unreadCount : null);
  if (unreadAtOpen === null && conv) setUnreadAtOpen(conv.unreadCount);
  const known = unreadAtOpen !== null;
  useEffect(() => {
    if (known) markRead(id);
  }, [id, markRead, known]);

  // New lead messages in the open conversation are read as they arrive (tab visible).
  const readTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onEvent = useCallback(
    (e: ChatEvent) => {
      if (e.type !== "new_message" || e.data.conversationId !== id || e.data.senderType !== "LEAD") return;
      if (document.visibilityState !== "visible") return;
      if (readTimer.current) clearTimeout(readTimer.current);
      readTimer.current = setTimeout(() => markRead(id), 800);
    },
    [id, markRead],
  );
  useRealtimeListener(onEvent);
  useEffect(() => () => {
    if (readTimer.current) clearTimeout(readTimer.current);
  }, []);

  // A new close request (keyboard shortcut) opens the dialog: state adjusted while rendering.
  if (closeRequest && closeRequest.n !== seenRequest) {
    setSeenRequest(closeRequest.n);
    if (conv && conv.ticketStatus !== "RESOLVED" && conv.currentTicketId) setDialog({ andNext: closeRequest.andNext });
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) setFile(f);
  };

  return (
    <section
      className="chat-pane"
      data-testid="chat-pane"
      data-conversation-id={id}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes("Files")) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <ChatHeader
        me={me}
        conversation={conv}
        isPhone={isPhone}
        onBack={onBack}
        onShowLead={onShowLead}
        onClose={() => setDialog({ andNext: false })}
      />
      {isPhone && conv && <DisconnectedBanner instanceId={conv.instanceId} />}
      {hidden && (
        <div className="wa-banner" role="status" data-testid="conversation-hidden">
          {t("chat.reassignedAway")}
        </div>
      )}
      {revoked && !hidden && (
        <div className="wa-banner" role="status" data-testid="conversation-revoked">
          {t("chat.noLongerAccess")}
        </div>
      )}
      <MessageList conversationId={id} query={messages} lead={lead} meId={me.user.id} onReply={setReplyTo}
        unreadAtOpen={focusMessageId ? 0 : unreadAtOpen}
        focusId={focusMessageId}
        onLeaveAround={onLeaveAround}
      />
      {conv && !hidden && !revoked && (
        <Composer
          conversation={conv}
          replyTo={replyTo}
          onClearReply={() => setReplyTo(null)}
          file={file}
          onFileChange={setFile}
        />
      )}
      {dragging && <div className="drop-overlay">{t("composer.dropHere")}</div>}
      {conv && (
        <CloseTicketDialog
          open={!!dialog}
          andNext={dialog?.andNext ?? false}
          conversation={conv}
          onCancel={() => setDialog(null)}
          onDone={(andNext) => {
            setDialog(null);
            onClosed(id, andNext);
          }}
        />
      )}
    </section>
  );
}
