import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n/i18n";
import { newQueryClient } from "../../test/fixtures";
import { StartFromSearch } from "./NewConversationDialog";
import { phoneFromQuery } from "./phoneQuery";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("phoneFromQuery", () => {
  it("offers national Brazilian numbers with +55 and leaves names alone", () => {
    expect(phoneFromQuery("11 97777-6666")).toBe("+55 11 97777-6666");
    expect(phoneFromQuery("(21) 3333-4444")).toBe("+55 21 3333-4444");
    expect(phoneFromQuery("+55 11 97777-6666")).toBe("+55 11 97777-6666");
    expect(phoneFromQuery("+1 415 555 2671")).toBe("+1 415 555-2671");
    expect(phoneFromQuery("Maria")).toBeNull();
    expect(phoneFromQuery("pedido 1234")).toBeNull();
    expect(phoneFromQuery("1234")).toBeNull();
  });
});

describe("StartFromSearch", () => {
  it("starts a conversation with the searched number and shows a translated refusal", async () => {
    const instance = { id: "i1", name: "Loja", phone: "+5511900000000", status: "connected" };
    const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      if (input === "/api/v1/conversations" && init?.method === "POST")
        return Promise.resolve(json({ error: { code: "not_on_whatsapp", message: "x", details: { phone: "+5511977776666" } } }, 400));
      return Promise.resolve(json([instance]));
    });
    render(
      <I18nProvider lang="pt-BR">
        <QueryClientProvider client={newQueryClient()}>
          <StartFromSearch query="11 97777-6666" instanceId={null} />
        </QueryClientProvider>
      </I18nProvider>,
    );
    fireEvent.click(screen.getByTestId("start-from-search"));
    expect(screen.getByText("Conversar com +55 11 97777-6666")).toBeTruthy();
    expect(screen.getByTestId<HTMLInputElement>("new-conversation-phone").value).toBe("+55 11 97777-6666");
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>("new-conversation-instance").value).toBe("i1"));
    fireEvent.change(screen.getByTestId("new-conversation-content"), { target: { value: "Olá!" } });
    fireEvent.submit(screen.getByTestId("new-conversation-form"));
    expect((await screen.findByTestId("new-conversation-error")).textContent).toBe("Este número não está no WhatsApp.");
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST")!;
    expect(JSON.parse(post[1]?.body as string)).toEqual({ instanceId: "i1", phone: "+55 11 97777-6666", content: "Olá!" });
  });
});
