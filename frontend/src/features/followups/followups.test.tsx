import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Conversation } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { isoToZonedLocal, zonedLocalToIso } from "../../lib/zoned";
import { me, newQueryClient } from "../../test/fixtures";
import { FollowUpButton } from "./FollowUpButton";
import { fromMinutes, plannedDates, toMinutes } from "./plan";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("organization time zone", () => {
  it("reads a wall-clock time in the organization's zone, whatever the browser's", () => {
    expect(zonedLocalToIso("2026-03-05T14:30", "America/Sao_Paulo")).toBe("2026-03-05T17:30:00.000Z");
    expect(zonedLocalToIso("2026-07-01T09:00", "Europe/Lisbon")).toBe("2026-07-01T08:00:00.000Z"); // summer time
    expect(zonedLocalToIso("2026-01-01T09:00", "Europe/Lisbon")).toBe("2026-01-01T09:00:00.000Z");
    expect(zonedLocalToIso("amanhã", "America/Sao_Paulo")).toBeNull();
    expect(isoToZonedLocal("2026-03-05T17:30:00Z", "America/Sao_Paulo")).toBe("2026-03-05T14:30");
  });
});

describe("sequence plan", () => {
  it("adds each delay to the previous step", () => {
    const start = new Date("2026-03-05T12:00:00Z");
    const dates = plannedDates(start, [{ delayMinutes: 60 }, { delayMinutes: 1440 }]).map((d) => d.toISOString());
    expect(dates).toEqual(["2026-03-05T13:00:00.000Z", "2026-03-06T13:00:00.000Z"]);
    expect(fromMinutes(2880)).toEqual({ value: 2, unit: "days" });
    expect(fromMinutes(90)).toEqual({ value: 90, unit: "minutes" });
    expect(toMinutes(3, "hours")).toBe(180);
  });
});

describe("FollowUpButton", () => {
  const conv = { id: "c1", currentTicketId: "t1", ticketStatus: "OPEN", lead: { id: "l1" } } as unknown as Conversation;

  function renderButton(c: Conversation) {
    const qc = newQueryClient();
    qc.setQueryData(keys.me(), me);
    const seq = { id: "s1", name: "Proposta", steps: [{ delayMinutes: 60, content: "Oi {primeiro_nome}" }], finalWaitMinutes: 1440, archived: false, inUse: false };
    const fetchMock = vi.fn((url: string) =>
      Promise.resolve(
        new Response(JSON.stringify(url.includes("follow-up-sequences") ? { items: [seq] } : { ticketId: "t1" }), {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
      ),
    );
    vi.stubGlobal("fetch", fetchMock);
    render(
      <I18nProvider lang="pt-BR">
        <QueryClientProvider client={qc}>
          <FollowUpButton conversation={c} />
        </QueryClientProvider>
      </I18nProvider>,
    );
    return fetchMock;
  }

  it("starts the picked sequence after showing when each step goes out", async () => {
    const fetchMock = renderButton(conv);
    fireEvent.click(screen.getByTestId("start-follow-up"));
    const plan = await screen.findByTestId("follow-up-plan");
    expect(plan.textContent).toContain("Oi {primeiro_nome}");
    expect(plan.querySelectorAll("time")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("confirm-follow-up"));
    await waitFor(() => expect(fetchMock.mock.calls.some(([u]) => u.includes("/tickets/t1/follow-up"))).toBe(true));
    const call = fetchMock.mock.calls.find(([u]) => u.includes("/tickets/t1/follow-up")) as unknown as [string, RequestInit];
    expect(JSON.parse(call[1].body as string)).toEqual({ sequenceId: "s1" });
  });

  it("offers to stop a running follow-up, and nothing on a resolved ticket", () => {
    renderButton({ ...conv, ticketStatus: "FOLLOW_UP" });
    expect(screen.getByTestId("stop-follow-up").textContent).toBe("Parar follow-up");
    cleanup();
    renderButton({ ...conv, ticketStatus: "RESOLVED" });
    expect(screen.queryByTestId("start-follow-up")).toBeNull();
  });
});
