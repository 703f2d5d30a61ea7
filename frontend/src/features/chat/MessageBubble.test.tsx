import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Message, ServerMessage } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { makeMessage, me, newQueryClient } from "../../test/fixtures";
import { MessageBubble } from "./MessageBubble";

afterEach(cleanup);

function renderBubble(message: Message, onRetry = vi.fn(), lang: "pt-BR" | "en" = "pt-BR", leadName?: string) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <MessageBubble message={message} meId="u1" onRetry={onRetry} leadName={leadName} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return { onRetry, bubble: screen.getByTestId("message-bubble") };
}

const out = (over: Partial<ServerMessage>) => makeMessage({ senderType: "USER", senderId: "u1", ...over });

describe("MessageBubble", () => {
  it.each([
    ["PENDING", "Enviando"],
    ["SENT", "Enviada"],
    ["DELIVERED", "Entregue"],
    ["READ", "Lida"],
  ] as const)("shows the %s tick", (status, label) => {
    const { bubble } = renderBubble(out({ status }));
    expect(bubble.getAttribute("data-status")).toBe(status);
    const tick = bubble.querySelector(".ticks")!;
    expect(tick.getAttribute("data-status")).toBe(status);
    expect(tick.getAttribute("aria-label")).toBe(label);
    expect(screen.queryByTestId("retry-button")).toBeNull();
  });

  it("READ ticks are the blue double check", () => {
    const { bubble } = renderBubble(out({ status: "READ" }));
    expect(bubble.querySelector(".ticks")!.getAttribute("class")).toContain("ticks-read");
    expect(bubble.querySelectorAll(".ticks path")).toHaveLength(2);
  });

  it("FAILED shows a red mark and a retry button that calls back", () => {
    const m = out({ id: "m-failed", status: "FAILED", error: "boom" });
    const { onRetry, bubble } = renderBubble(m);
    expect(bubble.querySelector(".ticks-failed")).not.toBeNull();
    const retry = screen.getByTestId("retry-button");
    expect(retry.textContent).toBe("Tentar novamente");
    fireEvent.click(retry);
    expect(onRetry).toHaveBeenCalledWith(m);
  });

  it("UNKNOWN (no answer in time) says not confirmed, with its own mark and a retry", () => {
    const m = out({ id: "m-unknown", status: "UNKNOWN" });
    const { onRetry, bubble } = renderBubble(m);
    expect(bubble.querySelector(".ticks")!.getAttribute("aria-label")).toBe("Não confirmada");
    expect(screen.getByRole("alert").textContent).toContain("Envio não confirmado pelo WhatsApp");
    fireEvent.click(screen.getByTestId("retry-button"));
    expect(onRetry).toHaveBeenCalledWith(m);
  });

  it("an interrupted send is named in the reader's language", () => {
    renderBubble(out({ status: "FAILED", error: "interrupted" }));
    expect(screen.getByRole("alert").textContent).toContain("Envio interrompido");
    cleanup();
    renderBubble(out({ status: "FAILED", error: "interrupted" }), vi.fn(), "en");
    expect(screen.getByRole("alert").textContent).toContain("Sending was interrupted");
  });

  it("translates the retry button", () => {
    renderBubble(out({ status: "FAILED" }), vi.fn(), "en");
    expect(screen.getByTestId("retry-button").textContent).toBe("Try again");
  });

  it("lead messages have no ticks", () => {
    const { bubble } = renderBubble(makeMessage({ senderType: "LEAD", status: "DELIVERED" }));
    expect(bubble.querySelector(".ticks")).toBeNull();
  });

  it("renders WhatsApp formatting as elements, never raw HTML", () => {
    const { bubble } = renderBubble(makeMessage({ content: '*oi* <img src=x onerror="alert(1)"> https://ex.com' }));
    expect(bubble.querySelector("strong")!.textContent).toBe("oi");
    expect(bubble.querySelector("img")).toBeNull();
    expect(bubble.querySelector("a")!.getAttribute("href")).toBe("https://ex.com");
  });

  it("time is shown in the organization's time zone; edited and deleted marks", () => {
    renderBubble(makeMessage({ sentAt: "2024-03-12T15:05:00Z", edited: true }));
    expect(screen.getByText("12:05")).toBeTruthy();
    expect(screen.getByText("editada")).toBeTruthy();
    cleanup();
    renderBubble(makeMessage({ deleted: true, content: "segredo" }));
    expect(screen.getByTestId("message-deleted").textContent).toBe("Esta mensagem foi apagada");
    expect(screen.queryByText("segredo")).toBeNull();
  });

  it.each([
    ["the lead's current name for the lead's message", { senderType: "LEAD", senderId: null, senderName: "Maria (antigo)" }, "pt-BR", "Maria Souza", "Maria Souza"],
    ["the name it was written under when the lead's is not known yet", { senderType: "LEAD", senderId: null, senderName: "Maria" }, "pt-BR", undefined, "Maria"],
    ["a colleague's name for their message", { senderType: "USER", senderId: "u2", senderName: "Ana Lima" }, "pt-BR", "Maria Souza", "Ana Lima"],
    ["Você only for the reader's own message", { senderType: "USER", senderId: "u1", senderName: "Eu Mesmo" }, "pt-BR", "Maria Souza", "Você"],
    ["You in English", { senderType: "USER", senderId: "u1", senderName: "Eu Mesmo" }, "en", "Maria Souza", "You"],
    ["the team for a message sent from the phone itself", { senderType: "USER", senderId: null, senderName: null }, "en", "Maria Souza", "Team"],
  ] as const)("a quote names who wrote it: %s", (_, author, lang, leadName, expected) => {
    const replyTo = { id: "q1", content: "Quanto custa?", messageType: "TEXT" as const, ...author };
    renderBubble(out({ replyTo }), vi.fn(), lang, leadName);
    expect(screen.getByTestId("quoted-reply").querySelector(".quote-author")!.textContent).toBe(expected);
  });

  it("documents show name, size and a download link", () => {
    renderBubble(
      makeMessage({ id: "doc1", messageType: "DOCUMENT", content: null, media: { url: "/api/v1/media/doc1", mimeType: "application/pdf", fileName: "proposta.pdf", size: 2048 } }),
    );
    expect(screen.getByText("proposta.pdf")).toBeTruthy();
    expect(screen.getByText("2 KB")).toBeTruthy();
    expect(screen.getByTestId("document-download").getAttribute("href")).toBe("/api/v1/media/doc1");
  });
});
