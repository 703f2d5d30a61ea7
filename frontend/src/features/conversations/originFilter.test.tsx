import { QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createRef, useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys, normalizeFilters } from "../../api/keys";
import type { Conversation, ConversationFilters } from "../../api/types";
import { I18nProvider, type Lang } from "../../i18n/i18n";
import { upsertConversationEverywhere } from "../../realtime/applyEvent";
import { hasServerOnlyFilters, matchesFilters, upsertConversation, type ConversationsData } from "../../realtime/cacheOps";
import { makeConversation, me, newQueryClient } from "../../test/fixtures";
import { filtersFromUi, type ListUiState } from "./filters";
import { ListHeader } from "./ListHeader";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function page(items: Conversation[]): ConversationsData {
  return { pages: [{ items, nextCursor: null }], pageParams: [null] };
}

describe("origin filters are checked by the server only", () => {
  const ad = makeConversation({ id: "ad", ticketSource: "meta_ads" });
  const plain = makeConversation({ id: "plain", ticketSource: "whatsapp" });

  it("never claims a match for source or campaign; a known different source is a miss", () => {
    expect(matchesFilters(ad, {}, null)).toBe(true);
    expect(matchesFilters(ad, { source: "meta_ads" }, null)).toBeNull();
    expect(matchesFilters(plain, { source: "meta_ads" }, null)).toBe(false);
    expect(matchesFilters({ ...ad, ticketSource: null }, { source: "whatsapp" }, null)).toBeNull();
    expect(matchesFilters(ad, { campaign: "black_friday" }, null)).toBeNull();
    expect(matchesFilters(plain, { campaign: "black_friday" }, null)).toBeNull();
    // the checks done here still apply first
    expect(matchesFilters(ad, { source: "meta_ads", unread: true }, null)).toBe(false);
    expect(hasServerOnlyFilters({ campaign: "  " })).toBe(false);
    expect(hasServerOnlyFilters({ campaign: "x" })).toBe(true);
  });

  it("a new row is not inserted into a list filtered by origin; a present one is updated in place", () => {
    const other = makeConversation({ id: "other", ticketSource: "meta_ads", lastMessageAt: "2024-03-12T09:00:00Z" });
    const filtered = page([other]);
    const newcomer = makeConversation({ id: "new", ticketSource: "meta_ads", lastMessageAt: "2024-03-12T12:00:00Z" });
    expect(upsertConversation(filtered, newcomer, { campaign: "black_friday" }, null)).toBe(filtered);
    expect(upsertConversation(filtered, newcomer, { source: "meta_ads" }, null)).toBe(filtered);
    const moved = upsertConversation(filtered, { ...other, unreadCount: 3 }, { source: "meta_ads" }, null);
    expect(moved?.pages[0]?.items.map((c) => [c.id, c.unreadCount])).toEqual([["other", 3]]);
    // its ticket now has another known source: it leaves the list
    const gone = upsertConversation(filtered, { ...other, ticketSource: "whatsapp" }, { source: "meta_ads" }, null);
    expect(gone?.pages[0]?.items).toEqual([]);
    // without origin filters the row goes in at once, as before
    expect(upsertConversation(filtered, newcomer, {}, null)?.pages[0]?.items.map((c) => c.id)).toEqual(["new", "other"]);
  });

  it("a conversation event refetches the lists filtered by origin, and only those", () => {
    const qc = newQueryClient();
    const byCampaign = normalizeFilters({ campaign: " black_friday " });
    const plainList = normalizeFilters({});
    qc.setQueryData(keys.conversations.list(byCampaign), page([]));
    qc.setQueryData(keys.conversations.list(plainList), page([]));
    const invalidate = vi.spyOn(qc, "invalidateQueries");
    upsertConversationEverywhere(qc, makeConversation({ id: "x" }), null);
    const refetched = invalidate.mock.calls.map(([arg]) => JSON.stringify(arg?.queryKey));
    expect(refetched).toEqual([JSON.stringify(keys.conversations.list(byCampaign))]);
    expect(byCampaign).toEqual({ campaign: "black_friday" });
  });

  it("the UI state becomes the query's source and trimmed campaign", () => {
    const f: ConversationFilters = filtersFromUi({ tab: "mine", status: "OPEN", q: "", source: "meta_ads", campaign: " bf " }, null);
    expect(f).toMatchObject({ assigned: "me", ticketStatus: "OPEN", source: "meta_ads", campaign: "bf" });
    expect(filtersFromUi({ tab: "all", status: "", q: "", source: "", campaign: "  " }, null)).toMatchObject({
      source: undefined,
      campaign: undefined,
    });
  });
});

function Harness({ lang, onUi }: { lang: Lang; onUi: (ui: ListUiState) => void }) {
  const [ui, setUi] = useState<ListUiState>({ tab: "all", status: "", q: "" });
  return (
    <I18nProvider lang={lang}>
      <ListHeader
        me={me}
        instanceId={null}
        ui={ui}
        onUiChange={(next) => {
          setUi(next);
          onUi(next);
        }}
        searchRef={createRef<HTMLInputElement>()}
      />
    </I18nProvider>
  );
}

function renderHeader(lang: Lang = "pt-BR") {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  qc.setQueryData(keys.instances(), []);
  const onUi = vi.fn<(ui: ListUiState) => void>();
  render(
    <QueryClientProvider client={qc}>
      <Harness lang={lang} onUi={onUi} />
    </QueryClientProvider>,
  );
  return onUi;
}

describe("ListHeader origin control", () => {
  it("offers every source translated (pt-BR) and picks one", () => {
    const onUi = renderHeader("pt-BR");
    const select = screen.getByTestId<HTMLSelectElement>("filter-source");
    expect(select.getAttribute("aria-label")).toBe("Origem do ticket");
    const labels = Array.from(select.options).map((o) => [o.value, o.textContent]);
    expect(labels.slice(0, 3)).toEqual([
      ["", "Qualquer origem"],
      ["whatsapp", "WhatsApp"],
      ["meta_ads", "Anúncio Meta"],
    ]);
    expect(labels.map(([v]) => v)).toContain("outbound");
    fireEvent.change(select, { target: { value: "meta_ads" } });
    expect(onUi).toHaveBeenLastCalledWith(expect.objectContaining({ source: "meta_ads" }));
    expect(select.className).toBe("set");
  });

  it("English labels; the campaign is sent once typing pauses, Escape clears it", () => {
    vi.useFakeTimers();
    const onUi = renderHeader("en");
    const select = screen.getByTestId<HTMLSelectElement>("filter-source");
    expect(select.options[0]?.textContent).toBe("Any source");
    expect(Array.from(select.options).find((o) => o.value === "meta_ads")?.textContent).toBe("Meta ad");
    const input = screen.getByTestId<HTMLInputElement>("filter-campaign");
    expect(input.placeholder).toBe("Campaign");
    fireEvent.change(input, { target: { value: "black" } });
    fireEvent.change(input, { target: { value: "black_friday" } });
    expect(onUi).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(300);
    });
    expect(onUi).toHaveBeenCalledTimes(1);
    expect(onUi).toHaveBeenLastCalledWith(expect.objectContaining({ campaign: "black_friday" }));
    fireEvent.keyDown(input, { key: "Escape" });
    expect(input.value).toBe("");
    expect(onUi).toHaveBeenLastCalledWith(expect.objectContaining({ campaign: "" }));
  });
});
