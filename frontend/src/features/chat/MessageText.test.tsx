import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { I18nProvider } from "../../i18n/i18n";
import { makeMessage } from "../../test/fixtures";
import { MessageContent, MessageText } from "./MessageContent";
import { buildRows } from "./rows";

afterEach(cleanup);

describe("MessageText", () => {
  it("enlarges a message of 1-3 emoji only", () => {
    const { container } = render(
      <I18nProvider lang="pt-BR">
        <MessageText text="😂😂" />
      </I18nProvider>,
    );
    const el = container.querySelector("[data-emoji-only]")!;
    expect(el.getAttribute("data-emoji-only")).toBe("2");
    expect(el.className).toContain("emoji-only-2");
  });

  it("does not enlarge text with emoji, nor a caption", () => {
    const { container } = render(
      <I18nProvider lang="pt-BR">
        <MessageText text="ok 👍" />
        <MessageContent message={makeMessage({ messageType: "IMAGE", content: "👍", media: null })} />
      </I18nProvider>,
    );
    expect(container.querySelector("[data-emoji-only]")).toBeNull();
  });

  it("folds a long message behind 'Ler mais' and unfolds it", () => {
    const text = "Frase longa de orçamento. ".repeat(60) + "FIM";
    render(
      <I18nProvider lang="pt-BR">
        <MessageText text={text} />
      </I18nProvider>,
    );
    expect(screen.queryByText(/FIM/)).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Ler mais" }));
    expect(screen.getByText(/FIM/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Mostrar menos" })).toBeTruthy();
  });

  it("says 'Read more' in English", () => {
    render(
      <I18nProvider lang="en">
        <MessageText text={"x ".repeat(600)} />
      </I18nProvider>,
    );
    expect(screen.getByRole("button", { name: "Read more" })).toBeTruthy();
  });
});

describe("buildRows with an unread divider", () => {
  it("puts the divider right before the first unread message", () => {
    const ms = [makeMessage({ id: "a" }), makeMessage({ id: "b" }), makeMessage({ id: "c" })];
    const rows = buildRows(ms, () => "day", new Map(), { beforeKey: "b", count: 2 });
    expect(rows.map((r) => r.kind)).toEqual(["date", "ticket", "message", "unread", "message", "message"]);
    expect(rows[3]).toMatchObject({ kind: "unread", count: 2 });
    expect(buildRows(ms, () => "day", new Map()).some((r) => r.kind === "unread")).toBe(false);
  });
});
