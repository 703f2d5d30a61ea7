import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mentionsUser } from "../../api/notes";
import { keys } from "../../api/keys";
import { I18nProvider } from "../../i18n/i18n";
import { makeMessage, me, newQueryClient } from "../../test/fixtures";
import { MessageBubble } from "./MessageBubble";

afterEach(cleanup);

const note = makeMessage({
  senderType: "USER",
  senderId: "u2",
  senderName: "Carla",
  content: "@Bia ela pediu desconto",
  note: true,
  status: "SENT",
  metadata: { mentions: [{ userId: "u3", name: "Bia" }] },
});

function renderNote(lang: "pt-BR" | "en") {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <MessageBubble message={note} meId="u1" onRetry={vi.fn()} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return screen.getByTestId("message-bubble");
}

describe("internal note", () => {
  it("is labelled, shows author and time, highlights mentions and has no ticks or reply", () => {
    const bubble = renderNote("pt-BR");
    expect(bubble.dataset.note).toBe("true");
    expect(bubble.textContent).toContain("Nota interna");
    expect(bubble.textContent).toContain("Carla");
    expect(bubble.querySelector("time")?.getAttribute("dateTime")).toBe(note.sentAt);
    expect(bubble.querySelector(".mention")?.textContent).toBe("@Bia");
    expect(bubble.querySelector(".ticks, [data-testid=ticks]")).toBeNull();
    expect(screen.queryByLabelText("Responder")).toBeNull();
  });
  it("speaks English too", () => {
    expect(renderNote("en").textContent).toContain("Internal note");
  });
  it("knows whom it mentions", () => {
    expect(mentionsUser(note, "u3")).toBe(true);
    expect(mentionsUser(note, "u1")).toBe(false);
    expect(mentionsUser({ ...note, note: false }, "u3")).toBe(false);
  });
});
