import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Message, ServerMessage } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { makeMessage, me, newQueryClient } from "../../test/fixtures";
import { MessageBubble } from "./MessageBubble";

afterEach(cleanup);

const image = (over: Partial<ServerMessage> = {}) =>
  makeMessage({
    id: "img1",
    messageType: "IMAGE",
    content: null,
    senderName: "Maria",
    sentAt: "2024-03-12T15:05:00Z",
    media: { url: "/api/v1/media/img1", mimeType: "image/jpeg", fileName: "3EB0C4F1A2.jpeg", size: 1000 },
    ...over,
  });

function open(message: Message, lang: "pt-BR" | "en" = "pt-BR", onRoot = vi.fn()) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  render(
    <div onKeyDown={onRoot}>
      <I18nProvider lang={lang}>
        <QueryClientProvider client={qc}>
          <MessageBubble message={message} meId="u1" onRetry={vi.fn()} leadName="Maria Souza" />
        </QueryClientProvider>
      </I18nProvider>
    </div>,
  );
  fireEvent.click(screen.getByRole("button", { name: lang === "en" ? "Open image" : "Abrir imagem" }));
  return screen.getByTestId("lightbox");
}

describe("Lightbox", () => {
  it("is captioned with the lead's name and the time, never the stored file name", () => {
    const box = open(image());
    expect(screen.getByTestId("lightbox-caption").textContent).toContain("Maria Souza");
    expect(screen.getByTestId("lightbox-caption").textContent).toContain("12:05");
    expect(box.getAttribute("aria-label")).toBe("Imagem de Maria Souza");
    expect(box.textContent).not.toContain("3EB0C4F1A2");
    expect(document.body.innerHTML).not.toContain('alt="3EB0C4F1A2.jpeg"');
  });

  it("names a colleague's image after them, the reader's own as Você", () => {
    open(image({ senderType: "USER", senderId: "u2", senderName: "Ana Lima" }));
    expect(screen.getByTestId("lightbox-caption").textContent).toContain("Ana Lima");
    cleanup();
    open(image({ senderType: "USER", senderId: "u1", senderName: "Eu" }));
    expect(screen.getByTestId("lightbox-caption").textContent).toContain("Você");
  });

  it("downloads the media URL and closes with its button", () => {
    open(image());
    const download = screen.getByRole("link", { name: "Baixar imagem" });
    expect(download.getAttribute("href")).toBe("/api/v1/media/img1");
    expect(download.hasAttribute("download")).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Fechar imagem" }));
    expect(screen.queryByTestId("lightbox")).toBeNull();
  });

  it("closes on Esc without the inbox seeing the key", () => {
    const onRoot = vi.fn();
    const box = open(image(), "pt-BR", onRoot);
    fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryByTestId("lightbox")).toBeNull();
    expect(onRoot).not.toHaveBeenCalled();
  });

  it("labels are translated", () => {
    const box = open(image(), "en");
    expect(box.getAttribute("aria-label")).toBe("Image from Maria Souza");
    expect(screen.getByRole("link", { name: "Download image" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Close image" })).toBeTruthy();
  });
});
