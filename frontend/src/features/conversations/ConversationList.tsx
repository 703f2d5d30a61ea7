import type { UseInfiniteQueryResult, InfiniteData } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, type RefObject } from "react";
import type { Conversation, Me, Page } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { ConnectionStatus } from "../chat/ConnectionStatus";
import { DisconnectedBanner } from "../inbox/DisconnectedBanner";
import { ConversationRow } from "./ConversationRow";
import { ListHeader } from "./ListHeader";
import { MessageHits } from "./MessageHits";
import type { ListUiState } from "./filters";

const ROW_HEIGHT = 72;

interface Props {
  me: Me;
  instanceId: string | null;
  ui: ListUiState;
  onUiChange: (ui: ListUiState) => void;
  query: UseInfiniteQueryResult<InfiniteData<Page<Conversation>, string | null>>;
  conversations: Conversation[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** A message hit of the search: open its chat around it. */
  onOpenMessage: (conversationId: string, messageId: string) => void;
  searchRef: RefObject<HTMLInputElement | null>;
  showConnection: boolean;
}

export function ConversationList(props: Props) {
  const { query, conversations, selectedId, onSelect } = props;
  const t = useT();
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = conversations.length + (query.hasNextPage ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    getItemKey: (i) => conversations[i]?.id ?? "__loader",
    initialRect: { width: 360, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? -1;

  // Infinite scroll: fetch the next page when the loader row comes into view.
  useEffect(() => {
    if (lastIndex >= conversations.length - 3 && query.hasNextPage && !query.isFetchingNextPage) {
      void query.fetchNextPage();
    }
  }, [lastIndex, conversations.length, query]);

  // Keep the selected row visible when moving with Alt+J/K.
  useEffect(() => {
    if (!selectedId) return;
    const idx = conversations.findIndex((c) => c.id === selectedId);
    if (idx >= 0) virtualizer.scrollToIndex(idx, { align: "auto" });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId]);

  return (
    <section className="list-pane" aria-label={t("nav.inbox")}>
      <ListHeader {...props} />
      <DisconnectedBanner instanceId={props.instanceId} />
      {props.showConnection && <ConnectionStatus compact />}
      <div className="list-scroll" ref={scrollRef} data-testid="conversation-list">
        {query.isPending && <p className="list-empty">{t("common.loading")}</p>}
        {!query.isPending && conversations.length === 0 && <p className="list-empty">{t("list.empty")}</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }} role="listbox">
          {items.map((vi) => {
            const c = conversations[vi.index];
            return (
              <div
                key={vi.key}
                className="vrow"
                style={{ transform: `translateY(${vi.start}px)`, height: vi.size }}
              >
                {c ? (
                  <ConversationRow conversation={c} me={props.me} selected={c.id === selectedId} onSelect={onSelect} />
                ) : (
                  <div className="list-loader">{t("list.loadingMore")}</div>
                )}
              </div>
            );
          })}
        </div>
      </div>
      {props.ui.q.trim().length >= 2 && (
        <MessageHits q={props.ui.q} instanceId={props.instanceId} onOpen={props.onOpenMessage} />
      )}
    </section>
  );
}
