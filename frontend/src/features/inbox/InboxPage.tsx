import { useCallback, useMemo, useRef, useState } from "react";
import { Group, Panel, Separator, type Layout } from "react-resizable-panels";
import { useConversations } from "../../api/conversations";
import type { ConversationFilters, Me } from "../../api/types";
import { storage } from "../../lib/storage";
import { PHONE_QUERY, useMediaQuery } from "../../lib/useMediaQuery";
import { flattenConversations } from "../../realtime/cacheOps";
import { useConversationChannel } from "../../realtime/RealtimeProvider";
import { navigate, useLocation, withSearch } from "../../router";
import { ChatView } from "../chat/ChatView";
import { ConversationList } from "../conversations/ConversationList";
import { filtersFromUi, type ListUiState } from "../conversations/filters";
import { LeadPanel } from "../lead-panel/LeadPanel";
import { useInboxShortcuts } from "./useInboxShortcuts";
import { ShortcutsDialog } from "./ShortcutsDialog";

const LAYOUT_KEY = "whatrack.layout.v1";

export function InboxPage({ me, instanceId }: { me: Me; instanceId: string | null }) {
  const loc = useLocation();
  const selectedId = loc.search.get("c");
  const focusMessageId = loc.search.get("m");
  const showLead = loc.search.get("panel") === "lead";
  const isPhone = useMediaQuery(PHONE_QUERY);
  const [ui, setUi] = useState<ListUiState>({ tab: "all", status: "", q: "" });
  const filters: ConversationFilters = useMemo(() => filtersFromUi(ui, instanceId), [ui, instanceId]);
  const list = useConversations(filters);
  const conversations = useMemo(() => flattenConversations(list.data), [list.data]);
  const searchRef = useRef<HTMLInputElement>(null);
  const [closeRequest, setCloseRequest] = useState<{ andNext: boolean; n: number } | null>(null);

  useConversationChannel(selectedId);

  const select = useCallback(
    (id: string | null, opts: { replace?: boolean } = {}) => navigate(withSearch(loc, { c: id, m: null, panel: null }), opts),
    [loc],
  );
  const step = useCallback(
    (delta: number) => {
      if (conversations.length === 0) return;
      const idx = conversations.findIndex((c) => c.id === selectedId);
      const next = idx < 0 ? (delta > 0 ? 0 : conversations.length - 1) : idx + delta;
      const target = conversations[Math.max(0, Math.min(conversations.length - 1, next))];
      if (target && target.id !== selectedId) select(target.id, { replace: true });
    },
    [conversations, selectedId, select],
  );
  const goNextAfter = useCallback(
    (closedId: string) => {
      const idx = conversations.findIndex((c) => c.id === closedId);
      const target = conversations[idx + 1] ?? conversations[idx - 1];
      select(target && target.id !== closedId ? target.id : null, { replace: true });
    },
    [conversations, select],
  );

  const [helpOpen, setHelpOpen] = useState(false);
  const help = <ShortcutsDialog open={helpOpen} onClose={() => setHelpOpen(false)} />;
  useInboxShortcuts({
    help: () => setHelpOpen(true),
    focusSearch: () => {
      if (isPhone && selectedId) {
        select(null);
        setTimeout(() => searchRef.current?.focus(), 0);
      } else searchRef.current?.focus();
    },
    next: () => step(1),
    previous: () => step(-1),
    closeTicket: (andNext) => selectedId && setCloseRequest({ andNext, n: Date.now() }),
    back: () => {
      if (showLead) navigate(withSearch(loc, { panel: null }));
      else if (selectedId) select(null);
    },
  });

  const listEl = (
    <ConversationList
      me={me}
      instanceId={instanceId}
      ui={ui}
      onUiChange={setUi}
      query={list}
      conversations={conversations}
      selectedId={selectedId}
      onSelect={(id) => select(id)}
      onOpenMessage={(conversationId, messageId) => navigate(withSearch(loc, { c: conversationId, m: messageId, panel: null }))}
      searchRef={searchRef}
      showConnection={isPhone}
    />
  );
  const chatEl = (
    <ChatView
      me={me}
      conversationId={selectedId}
      isPhone={isPhone}
      onBack={() => select(null)}
      onShowLead={() => navigate(withSearch(loc, { panel: "lead" }))}
      closeRequest={closeRequest}
      onClosed={(id, andNext) => andNext && goNextAfter(id)}
      focusMessageId={focusMessageId}
      onLeaveAround={() => navigate(withSearch(loc, { m: null }), { replace: true })}
    />
  );
  const leadEl = (
    <LeadPanel conversationId={selectedId} meId={me.user.id} onBack={isPhone ? () => navigate(withSearch(loc, { panel: null })) : undefined} />
  );

  if (isPhone) {
    return (
      <div className="inbox inbox-phone">
        {!selectedId ? listEl : showLead ? leadEl : chatEl}
        {help}
      </div>
    );
  }

  const saved = storage.getJSON<Layout>(LAYOUT_KEY) ?? undefined;
  return (
    <div className="inbox">
      <Group
        orientation="horizontal"
        defaultLayout={saved}
        onLayoutChanged={(layout) => storage.setJSON(LAYOUT_KEY, layout)}
        className="inbox-group"
      >
        <Panel id="list" defaultSize="30" minSize="20" maxSize="50">
          {listEl}
        </Panel>
        <Separator className="resize-handle" />
        <Panel id="chat" defaultSize="46" minSize="30">
          {chatEl}
        </Panel>
        <Separator className="resize-handle" />
        <Panel id="lead" defaultSize="24" minSize="15" maxSize="40">
          {leadEl}
        </Panel>
      </Group>
      {help}
    </div>
  );
}
