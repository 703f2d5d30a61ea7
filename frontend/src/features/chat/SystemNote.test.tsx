import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import { I18nProvider, translate, type Lang } from "../../i18n/i18n";
import { makeMessage, me, newQueryClient } from "../../test/fixtures";
import { MessageBubble } from "./MessageBubble";
import { systemText, type SystemParams } from "./systemText";

afterEach(cleanup);

function text(p: SystemParams, lang: Lang = "pt-BR"): string {
  return systemText(p, (k, v) => translate(lang, k, v), { dateTime: (iso) => `<${iso}>`, lang });
}

function renderSystem(system: Record<string, unknown>, lang: Lang) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  const m = makeMessage({ senderType: "SYSTEM", senderName: null, content: null, status: "SENT", metadata: { system } });
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <MessageBubble message={m} meId="u1" onRetry={vi.fn()} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return screen.getByTestId("system-note");
}

describe("SYSTEM lines", () => {
  it("render as a centred note in the viewer's language, never an empty bubble", () => {
    const started = { kind: "follow_up_started", sequence: "Reaquecer", steps: 3, by: "Carla" };
    let note = renderSystem(started, "pt-BR");
    expect(note.dataset.kind).toBe("follow_up_started");
    expect(note.textContent).toContain("Carla iniciou o follow-up “Reaquecer” (3 etapas)");
    expect(screen.queryByTestId("message-bubble")).toBeNull();
    cleanup();
    note = renderSystem(started, "en");
    expect(note.textContent).toContain("Carla started the follow-up “Reaquecer” (3 steps)");
  });

  it("has one text per follow-up kind", () => {
    expect(text({ kind: "follow_up_cancelled", reason: "lead_replied" })).toBe("Follow-up cancelado: o lead respondeu");
    expect(text({ kind: "follow_up_cancelled", reason: "stopped", by: "Bia" })).toBe("Bia parou o follow-up");
    expect(text({ kind: "follow_up_cancelled", reason: "send_failed" }, "en")).toBe("Follow-up interrupted: a step could not be sent");
    expect(text({ kind: "follow_up_completed", steps: 2 })).toBe("Follow-up concluído sem resposta (2 etapas): ticket fechado");
  });

  it("says who assigned or transferred to whom", () => {
    expect(text({ kind: "assigned", to: "Bia", by: "Carla" })).toBe("Carla atribuiu a conversa a Bia");
    expect(text({ kind: "assigned", to: "Bia", by: "Bia" })).toBe("Bia assumiu a conversa");
    expect(text({ kind: "assigned", from: "Bia", to: "Davi", by: "Carla" }, "en")).toBe(
      "Carla transferred the conversation from Bia to Davi",
    );
    expect(text({ kind: "assigned", from: "Bia", to: null, by: "Carla" })).toBe("Carla deixou a conversa sem responsável (era Bia)");
    expect(text({ kind: "assigned", to: "Bia" })).toBe("Conversa atribuída a Bia");
  });

  it("names the ticket's origin, outcome, rule and value", () => {
    expect(text({ kind: "ticket_opened", number: 2, source: "meta_ads" })).toBe(
      `Ticket #2 aberto · origem: ${translate("pt-BR", "source.meta_ads")}`,
    );
    expect(text({ kind: "ticket_opened", number: 1, by: "Carla" }, "en")).toBe("Carla opened ticket #1");
    const sale = text({ kind: "ticket_closed", number: 3, outcome: "sale", closedBy: "manual", by: "Carla", valueCents: 123456 });
    expect(sale).toMatch(/^Carla fechou o ticket #3: Venda \(R\$\s1\.234,56\)$/);
    expect(text({ kind: "ticket_closed", number: 3, outcome: "no_response", closedBy: "inactivity" })).toBe(
      "Ticket #3 fechado por inatividade",
    );
    expect(text({ kind: "ticket_closed", number: 3, outcome: "no_response", closedBy: "follow_up" }, "en")).toBe(
      "Ticket #3 closed: follow-up with no reply",
    );
    expect(text({ kind: "ticket_reopened", number: 3, by: "Bia" })).toBe("Bia reabriu o ticket #3");
  });

  it("formats a snooze date and survives an unknown kind", () => {
    expect(text({ kind: "snoozed", until: "2026-01-02T12:00:00Z", by: "Bia" }, "en")).toBe(
      "Bia snoozed the conversation until <2026-01-02T12:00:00Z>",
    );
    expect(text({ kind: "something_new" })).toBe("Atividade no ticket");
    expect(text({})).toBe("Atividade no ticket");
  });
});
