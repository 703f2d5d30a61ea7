import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import { I18nProvider } from "../../i18n/i18n";
import { isoToZonedLocal } from "../../lib/zoned";
import { makeConversation, me, newQueryClient } from "../../test/fixtures";
import { ScheduleButton } from "../followups/ScheduleButton";
import { ConversationMenu, MAX_SNOOZE_MS, snoozeProblem } from "./ConversationMenu";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function mockFetch() {
  const fetchMock = vi.fn((_url: string, _init?: RequestInit) =>
    Promise.resolve(new Response(JSON.stringify(makeConversation({ id: "c1" })), { status: 200, headers: { "content-type": "application/json" } })),
  );
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

function renderIn(node: React.ReactNode, lang: "pt-BR" | "en" = "pt-BR") {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>{node}</QueryClientProvider>
    </I18nProvider>,
  );
}

describe("custom snooze date", () => {
  it("refuses a time in the past or more than a year ahead, as the server does", () => {
    const now = Date.parse("2026-03-05T12:00:00Z");
    expect(snoozeProblem("2026-03-05T11:59:00.000Z", now)).toBe("snooze_in_past");
    expect(snoozeProblem("2026-03-05T12:00:00.000Z", now)).toBe("snooze_in_past");
    expect(snoozeProblem("2026-03-06T12:00:00.000Z", now)).toBeNull();
    expect(snoozeProblem(new Date(now + MAX_SNOOZE_MS).toISOString(), now)).toBeNull();
    expect(snoozeProblem(new Date(now + MAX_SNOOZE_MS + 60_000).toISOString(), now)).toBe("snooze_too_far");
  });

  it("'Escolher data e hora…' snoozes until the picked wall-clock time of the organization's zone", async () => {
    const fetchMock = mockFetch();
    renderIn(<ConversationMenu conversation={makeConversation({ id: "c1", snoozedUntil: null })} />);
    const select = screen.getByTestId<HTMLSelectElement>("snooze-select");
    expect([...select.options].map((o) => o.textContent)).toContain("Escolher data e hora…");
    fireEvent.change(select, { target: { value: "custom" } });
    const input = await screen.findByTestId<HTMLInputElement>("snooze-when");
    const tz = me.organization.timezone;
    const past = isoToZonedLocal(new Date(Date.now() - 3_600_000), tz);
    fireEvent.change(input, { target: { value: past } });
    expect(screen.getByTestId("snooze-error").textContent).toBe("Escolha um horário no futuro.");
    expect(screen.getByTestId<HTMLButtonElement>("confirm-snooze").disabled).toBe(true);
    const future = new Date(Date.now() + 3 * 86_400_000);
    future.setUTCSeconds(0, 0);
    fireEvent.change(input, { target: { value: isoToZonedLocal(future, tz) } });
    expect(screen.queryByTestId("snooze-error")).toBeNull();
    fireEvent.click(screen.getByTestId("confirm-snooze"));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toContain("/conversations/c1/snooze");
    expect(JSON.parse(init!.body as string)).toEqual({ until: future.toISOString() });
  });

  it("is translated", () => {
    mockFetch();
    renderIn(<ConversationMenu conversation={makeConversation({ id: "c1", snoozedUntil: null })} />, "en");
    const select = screen.getByTestId<HTMLSelectElement>("snooze-select");
    expect([...select.options].map((o) => o.textContent)).toContain("Pick date and time…");
  });
});

describe("enviar depois with a file", () => {
  it("sends multipart with the file, the draft as its caption", async () => {
    const fetchMock = mockFetch();
    renderIn(<ScheduleButton conversationId="c1" draft="Segue a proposta" onScheduled={() => {}} />);
    fireEvent.click(screen.getByTestId("schedule-button"));
    const file = new File(["%PDF-1.4"], "proposta.pdf", { type: "application/pdf" });
    fireEvent.change(await screen.findByTestId("schedule-file"), { target: { files: [file] } });
    fireEvent.click(screen.getByTestId("confirm-schedule"));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toContain("/scheduled-messages");
    const form = init!.body as FormData;
    expect(form.get("conversationId")).toBe("c1");
    expect(form.get("caption")).toBe("Segue a proposta");
    expect((form.get("file") as File).name).toBe("proposta.pdf");
    expect(Date.parse(form.get("sendAt") as string)).toBeGreaterThan(Date.now());
  });

  it("a file alone is enough; with neither text nor file nothing can be scheduled", () => {
    mockFetch();
    renderIn(<ScheduleButton conversationId="c1" draft="  " onScheduled={() => {}} />);
    fireEvent.click(screen.getByTestId("schedule-button"));
    expect(screen.getByTestId<HTMLButtonElement>("confirm-schedule").disabled).toBe(true);
    const file = new File(["x"], "foto.png", { type: "image/png" });
    fireEvent.change(screen.getByTestId("schedule-file"), { target: { files: [file] } });
    expect(screen.getByTestId<HTMLButtonElement>("confirm-schedule").disabled).toBe(false);
  });
});
