import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import { I18nProvider } from "../../i18n/i18n";
import { upsertConversation, type ConversationsData } from "../../realtime/cacheOps";
import { makeConversation, me, newQueryClient } from "../../test/fixtures";
import { ConversationRow } from "./ConversationRow";
import { filtersFromUi } from "./filters";
import { formatWaited, waitedMinutes, waitingLevel, waitingThresholds } from "./waiting";
import type { Me } from "../../api/types";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("waiting timer", () => {
  it("levels follow the thresholds", () => {
    expect(waitingLevel(0)).toBe("ok");
    expect(waitingLevel(9)).toBe("ok");
    expect(waitingLevel(10)).toBe("warn");
    expect(waitingLevel(30)).toBe("alert");
    expect(waitingLevel(5, { warnMinutes: 2, alertMinutes: 4 })).toBe("alert");
  });
  it("formats minutes, hours and days", () => {
    expect(formatWaited(7)).toBe("7 min");
    expect(formatWaited(65)).toBe("1 h 05");
    expect(formatWaited(3 * 24 * 60 + 5)).toBe("3 d");
    expect(waitedMinutes("2024-03-12T12:00:00Z", Date.parse("2024-03-12T12:42:30Z"))).toBe(42);
  });
});

describe("list tabs", () => {
  it("waiting asks for order=waiting, unassigned for assigned=unassigned; status stays separate", () => {
    expect(filtersFromUi({ tab: "waiting", status: "", q: "" }, null)).toMatchObject({ order: "waiting" });
    const f = filtersFromUi({ tab: "unassigned", status: "RESOLVED", q: "" }, null);
    expect(f).toMatchObject({ assigned: "unassigned", ticketStatus: "RESOLVED" });
    expect(f.order).toBeUndefined();
  });

  it("a waiting list keeps oldest waitingSince first and drops rows nobody waits on", () => {
    const a = makeConversation({ id: "a", waitingSince: "2024-03-12T10:00:00Z" });
    const c = makeConversation({ id: "c", waitingSince: "2024-03-12T12:00:00Z" });
    let data: ConversationsData | undefined = { pages: [{ items: [a, c], nextCursor: null }], pageParams: [null] };
    const b = makeConversation({ id: "b", waitingSince: "2024-03-12T11:00:00Z", lastMessageAt: "2024-03-12T13:00:00Z" });
    data = upsertConversation(data, b, { order: "waiting" }, "u1");
    expect(data?.pages[0]?.items.map((x) => x.id)).toEqual(["a", "b", "c"]);
    data = upsertConversation(data, { ...a, waitingSince: null }, { order: "waiting" }, "u1");
    expect(data?.pages[0]?.items.map((x) => x.id)).toEqual(["b", "c"]);
  });
});

function renderRow(conversation = makeConversation(), who: Me = me) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), who);
  render(
    <I18nProvider lang="pt-BR">
      <QueryClientProvider client={qc}>
        <ConversationRow conversation={conversation} me={who} selected={false} onSelect={vi.fn()} />
      </QueryClientProvider>
    </I18nProvider>,
  );
}

describe("conversation row", () => {
  it("shows the waiting timer in red past the threshold and the assignee's initials, no 'Aberto' chip", () => {
    vi.useFakeTimers({ now: Date.parse("2024-03-12T12:45:00Z") });
    renderRow(
      makeConversation({ waitingSince: "2024-03-12T12:00:00Z", assignee: { id: "u2", name: "Carla Souza" } }),
    );
    const timer = screen.getByTestId("waiting-timer");
    expect(timer.dataset.level).toBe("alert");
    expect(timer.textContent).toContain("45 min");
    expect(timer.getAttribute("title")).toBe("Aguardando resposta há 45 min");
    expect(screen.getByTestId("assignee-badge").getAttribute("title")).toBe("Atendente: Carla Souza");
    expect(screen.getByTestId("assignee-badge").textContent).toBe("CS");
    expect(screen.queryByText("Aberto")).toBeNull();
  });

  it("uses the organization's thresholds", () => {
    vi.useFakeTimers({ now: Date.parse("2024-03-12T12:45:00Z") });
    const strict = { ...me, organization: { ...me.organization, waitingWarnMinutes: 60, waitingAlertMinutes: 120 } };
    renderRow(makeConversation({ id: "x", waitingSince: "2024-03-12T12:00:00Z" }), strict);
    expect(screen.getByTestId("waiting-timer").dataset.level).toBe("ok"); // 45 min: red by default, calm here
    cleanup();
    const quick = { ...me, organization: { ...me.organization, waitingWarnMinutes: 40, waitingAlertMinutes: 120 } };
    renderRow(makeConversation({ id: "y", waitingSince: "2024-03-12T12:00:00Z" }), quick);
    expect(screen.getByTestId("waiting-timer").dataset.level).toBe("warn");
    expect(waitingThresholds({ waitingWarnMinutes: 30, waitingAlertMinutes: 30 })).toEqual({ warnMinutes: 10, alertMinutes: 30 });
    expect(waitingThresholds(undefined)).toEqual({ warnMinutes: 10, alertMinutes: 30 });
  });

  it("no timer when nobody waits, no assignee badge when unassigned, other statuses keep their chip", () => {
    renderRow(makeConversation({ ticketStatus: "FOLLOW_UP" }));
    expect(screen.queryByTestId("waiting-timer")).toBeNull();
    expect(screen.queryByTestId("assignee-badge")).toBeNull();
  });
});
