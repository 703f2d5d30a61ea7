import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Conversation } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { me, newQueryClient } from "../../test/fixtures";
import { CloseTicketDialog } from "./CloseTicketDialog";
import { parseCents } from "./money";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const conv = { id: "c1", currentTicketId: "t1", lead: { id: "l1" } } as unknown as Conversation;

function renderDialog() {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  const fetchMock = vi.fn(() => Promise.resolve(new Response(JSON.stringify({ id: "t1" }), { status: 200, headers: { "content-type": "application/json" } })));
  vi.stubGlobal("fetch", fetchMock);
  render(
    <I18nProvider lang="pt-BR">
      <QueryClientProvider client={qc}>
        <CloseTicketDialog open andNext={false} conversation={conv} onCancel={vi.fn()} onDone={vi.fn()} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return fetchMock;
}

describe("parseCents", () => {
  it("reads Brazilian and plain amounts", () => {
    expect(parseCents("1.234,56")).toBe(123456);
    expect(parseCents("R$ 99")).toBe(9900);
    expect(parseCents("1234.5")).toBe(123450);
    expect(parseCents("1.234")).toBe(123400);
    expect(parseCents("0,99")).toBe(99);
    expect(parseCents("abc")).toBeNull();
    expect(parseCents("-5")).toBeNull();
    expect(parseCents("1,234")).toBeNull();
    expect(parseCents("")).toBeNull();
  });
});

describe("CloseTicketDialog", () => {
  it("starts with no outcome: closing needs a choice", () => {
    renderDialog();
    for (const o of ["sale", "lost_price", "lost_timing", "no_response", "other"]) {
      expect(screen.getByTestId<HTMLInputElement>(`outcome-${o}`).checked).toBe(false);
    }
    expect(screen.getByTestId<HTMLButtonElement>("confirm-close-ticket").disabled).toBe(true);
    expect(screen.queryByTestId("close-value")).toBeNull();
  });

  it("a sale may carry its value in R$, sent in cents", async () => {
    const fetchMock = renderDialog();
    fireEvent.click(screen.getByTestId("outcome-sale"));
    fireEvent.change(screen.getByTestId("close-value"), { target: { value: "abc" } });
    expect(screen.getByText("Valor inválido: use por exemplo 1.234,56.")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("confirm-close-ticket").disabled).toBe(true);
    fireEvent.change(screen.getByTestId("close-value"), { target: { value: "1.234,56" } });
    fireEvent.click(screen.getByTestId("confirm-close-ticket"));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toContain("/tickets/t1/close");
    expect(JSON.parse(init.body as string)).toEqual({ outcome: "sale", valueCents: 123456 });
  });
});
