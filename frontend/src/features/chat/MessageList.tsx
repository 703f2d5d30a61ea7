import { useQueryClient, type InfiniteData, type UseInfiniteQueryResult } from "@tanstack/react-query";
import { keys } from "../../api/keys";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "../../api/client";
import { Icon } from "../../components/ui/Icon";
import { errorMessage } from "../../lib/errors";
import type { Lead, Message, Page } from "../../api/types";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { flattenMessages, messageKey, type MessagesData } from "../../realtime/cacheOps";
import { settleAtLiveEnd } from "../../api/messages";
import { useRetry } from "../composer/useSend";
import { MessageBubble } from "./MessageBubble";
import { buildRows, type UnreadDivider } from "./rows";
import { countNewSince, firstUnreadIndex } from "./reading";
import { AdCard } from "./AdCard";
import { ticketLabel } from "./ticketLabel";
import { leadDisplayName } from "../../lib/phone";

interface Props {
  conversationId: string;
  query: UseInfiniteQueryResult<InfiniteData<Page<Message>, string | null>>;
  lead: Lead | undefined;
  meId: string;
  onReply: (m: Message) => void;
  /** Unread count when the chat was opened (null: not known yet; left out: no divider). */
  unreadAtOpen?: number | null | undefined;
  /** Opened on a search hit: that message, scrolled to and briefly highlighted. */
  focusId?: string | null | undefined;
  /** Leave a chat opened around an older message for its latest messages. */
  onLeaveAround?: (() => void) | undefined;
}

const NEAR_BOTTOM_PX = 120;
const LOAD_OLDER_PX = 300;

const FLASH_MS = 2500;

export function MessageList({ conversationId, query, lead, meId, onReply, unreadAtOpen = 0, focusId = null, onLeaveAround }: Props) {
  const t = useT();
  const f = useFormat();
  const retry = useRetry();
  const scrollRef = useRef<HTMLDivElement>(null);
  const messages = useMemo(() => flattenMessages(query.data), [query.data]);
  const tickets = useMemo(() => new Map((lead?.tickets ?? []).map((tk) => [tk.id, tk])), [lead]);
  const leadName = lead ? leadDisplayName(lead) : null;
  // The unread divider is placed once, when the unread count is known and the messages are fresh
  // (a cached copy may predate the unread ones: wait for its refetch), and stays put while the
  // chat is open (as WhatsApp's). `seen`: the messages there when the reader left the bottom (or
  // opened the chat); the others are counted on the jump-to-latest button.
  const [divider, setDivider] = useState<UnreadDivider | null | undefined>(undefined);
  const [seen, setSeen] = useState<ReadonlySet<string> | null>(null);
  const [nearBottom, setNearBottom] = useState(true);
  // Unread messages at open: only a read made after opening surely has them all (the cached copy
  // and late real-time events may not), so the divider waits for one.
  const [openedAt] = useState(() => Date.now());
  const needsRead = !!unreadAtOpen && query.dataUpdatedAt < openedAt;
  const fresh = query.isSuccess && !needsRead && (!query.isFetching || query.isFetchingNextPage);
  const { refetch, isFetching } = query;
  useEffect(() => {
    if (needsRead && !isFetching) void refetch();
  }, [needsRead, isFetching, refetch]);
  if (divider === undefined && unreadAtOpen !== null && fresh && messages.length > 0) {
    const i = firstUnreadIndex(messages, unreadAtOpen);
    setDivider(i === null ? null : { beforeKey: messageKey(messages[i]!), count: unreadAtOpen });
    setSeen(new Set(messages.map(messageKey)));
  }
  const rows = useMemo(() => buildRows(messages, f.dayKey, tickets, divider ?? null), [messages, f.dayKey, tickets, divider]);
  const newCount = nearBottom ? 0 : countNewSince(messages, seen, messageKey);

  // A message from a ticket the lead data doesn't know yet (just opened): refresh the lead once.
  const qc = useQueryClient();
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (!lead) return;
    const unknown = rows.find((r) => r.kind === "ticket" && !r.ticket && !asked.current.has(r.ticketId));
    if (unknown && unknown.kind === "ticket") {
      asked.current.add(unknown.ticketId);
      void qc.invalidateQueries({ queryKey: keys.leads.detail(lead.id) });
    }
  }, [rows, lead, qc]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === "message" ? 64 : 36),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 10,
    initialRect: { width: 600, height: 800 },
  });

  // A search hit: highlighted for a moment once shown.
  const [flash, setFlash] = useState<string | null>(focusId);
  const focusShown = !!flash && messages.some((m) => m.id === flash);
  useEffect(() => {
    if (!focusShown) return;
    const timer = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(timer);
  }, [focusShown]);
  // Newer pages (a chat opened around an older message) are appended below: the reader stays put.
  const newerLoad = useRef(false);
  const loadNewer = () => {
    if (!query.hasPreviousPage || query.isFetchingPreviousPage) return;
    newerLoad.current = true;
    void query.fetchPreviousPage().then(() => {
      qc.setQueryData<MessagesData>(keys.messages.list(conversationId), settleAtLiveEnd);
    });
  };

  const atBottom = useRef(true);
  const dividerShown = useRef(false);
  const prev = useRef<{ first: string | undefined; last: string | undefined; total: number; top: number }>({
    first: undefined,
    last: undefined,
    total: 0,
    top: 0,
  });

  const scrollToBottom = () => {
    if (rows.length === 0) return;
    virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
    // Rows measured after the first jump can grow the list: settle on the next frame.
    requestAnimationFrame(() => {
      const el = scrollRef.current;
      if (el) el.scrollTop = el.scrollHeight;
    });
  };

  // Older page prepended: keep the same messages under the reader's eyes.
  // New message appended: follow it if we were at the bottom (or it is ours).
  useLayoutEffect(() => {
    const first = rows[0]?.key;
    const lastRow = rows[rows.length - 1];
    const last = lastRow?.key;
    const p = prev.current;
    const total = virtualizer.getTotalSize();
    const el = scrollRef.current;
    const at = divider && !dividerShown.current ? rows.findIndex((r) => r.kind === "unread") : -1;
    if (at >= 0) {
      // Opened with unread messages: show them from the divider down.
      dividerShown.current = true;
      virtualizer.scrollToIndex(at, { align: "start" });
    } else if (p.first === undefined && rows.length > 0) {
      const focus = focusId ? rows.findIndex((r) => r.kind === "message" && r.message.id === focusId) : -1;
      if (focus >= 0) {
        virtualizer.scrollToIndex(focus, { align: "center" });
        requestAnimationFrame(() => virtualizer.scrollToIndex(focus, { align: "center" }));
      } else scrollToBottom();
    } else if (first !== p.first && last === p.last && el) {
      virtualizer.scrollToOffset(p.top + (total - p.total));
    } else if (last !== p.last && newerLoad.current) {
      newerLoad.current = false;
    } else if (last !== p.last) {
      const ours = lastRow?.kind === "message" && lastRow.message.senderType === "USER" && lastRow.message.status === "PENDING";
      if (atBottom.current || ours) scrollToBottom();
    }
    prev.current = { first, last, total, top: el?.scrollTop ?? 0 };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current !== nearBottom) {
      setNearBottom(atBottom.current);
      if (!atBottom.current) setSeen(new Set(messages.map(messageKey)));
    }
    prev.current.top = el.scrollTop;
    prev.current.total = virtualizer.getTotalSize();
    if (el.scrollTop < LOAD_OLDER_PX && query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
    if (el.scrollHeight - el.scrollTop - el.clientHeight < LOAD_OLDER_PX) loadNewer();
  };

  // Short histories don't scroll: fetch older pages until the viewport fills.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || el.scrollHeight > el.clientHeight) return;
    if (query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
    else if (query.hasPreviousPage) loadNewer();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows.length, query]);

  // Server unreachable (or the browser offline): keep what was shown and say we keep trying;
  // never "no messages yet" for a chat that could not be read.
  const retrying = query.fetchStatus === "paused" || (query.failureCount > 0 && query.isFetching);
  const failed = query.isError && !query.isFetching;
  const gaveUp = failed && query.error instanceof ApiError && query.error.status < 500;

  return (
    <div className="messages-wrap">
    {(retrying || failed) && (
      <div className="messages-offline" role="status" data-testid="messages-offline">
        {gaveUp ? errorMessage(query.error, t) : t("chat.loadFailed")}
      </div>
    )}
    <div className="messages" ref={scrollRef} onScroll={onScroll} data-testid="message-list">
      {query.isFetchingNextPage && <div className="older-loader">{t("chat.loadingOlder")}</div>}
      {query.isPending && !retrying && <div className="older-loader">{t("common.loading")}</div>}
      {query.isSuccess && rows.length === 0 && <div className="older-loader">{t("chat.noMessages")}</div>}
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {virtualizer.getVirtualItems().map((vi) => {
          const row = rows[vi.index]!;
          return (
            <div
              key={vi.key}
              data-index={vi.index}
              ref={virtualizer.measureElement}
              className={row.kind === "message" && row.message.id === flash ? "vrow focus-flash" : "vrow"}
              data-focused={row.kind === "message" && row.message.id === focusId ? "true" : undefined}
              style={{ transform: `translateY(${vi.start}px)` }}
            >
              {row.kind === "date" && (
                <div className="separator date-separator" data-testid="date-separator">
                  <span>{f.day(row.at)}</span>
                </div>
              )}
              {row.kind === "ticket" && (
                <div className="separator ticket-separator" data-testid="ticket-separator" data-ticket-id={row.ticketId}>
                  <span>{row.ticket ? ticketLabel(row.ticket, t) : t("ticket.label", { number: "…" })}</span>
                  {row.ticket && <AdCard ticket={row.ticket} />}
                </div>
              )}
              {row.kind === "unread" && (
                <div className="separator unread-separator" data-testid="unread-divider">
                  <span>{row.count === 1 ? t("chat.unreadOne") : t("chat.unreadMany", { count: row.count })}</span>
                </div>
              )}
              {row.kind === "message" && (
                <MessageBubble message={row.message} meId={meId} onRetry={retry} onReply={onReply} leadName={leadName} />
              )}
            </div>
          );
        })}
      </div>
    </div>
    {query.isFetchingPreviousPage && <div className="newer-loader">{t("chat.loadingNewer")}</div>}
    {(!nearBottom || query.hasPreviousPage) && rows.length > 0 && (
      <button
        type="button"
        className="jump-latest"
        onClick={query.hasPreviousPage && onLeaveAround ? onLeaveAround : scrollToBottom}
        aria-label={newCount > 0 ? t("chat.jumpLatestCount", { count: newCount }) : t("chat.jumpLatest")}
        title={t("chat.jumpLatest")}
        data-testid="jump-latest"
      >
        {newCount > 0 && (
          <span className="jump-count" data-testid="jump-latest-count">
            {newCount}
          </span>
        )}
        <Icon name="down" size={22} />
      </button>
    )}
    </div>
  );
}
