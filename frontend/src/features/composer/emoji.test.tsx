import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n/i18n";
import EmojiPanel from "./EmojiPanel";
import { insertAtCaret } from "./insertText";

afterEach(cleanup);

describe("insertAtCaret", () => {
  it("inserts at the caret and moves the caret after the emoji", () => {
    expect(insertAtCaret("Olá mundo", 3, 3, "👋")).toEqual({ value: "Olá👋 mundo", caret: 5 });
  });
  it("replaces the selection", () => {
    expect(insertAtCaret("Olá mundo", 4, 9, "🌎")).toEqual({ value: "Olá 🌎", caret: 6 });
  });
  it("appends when the field never had a caret", () => {
    expect(insertAtCaret("oi", null, null, "😀")).toEqual({ value: "oi😀", caret: 4 });
  });
  it("clamps positions beyond the text", () => {
    expect(insertAtCaret("oi", 10, 12, "👍")).toEqual({ value: "oi👍", caret: 4 });
  });
});

describe("EmojiPanel", () => {
  it("uses the Portuguese dataset and labels", async () => {
    render(
      <I18nProvider lang="pt-BR">
        <EmojiPanel onPick={() => undefined} onClose={() => undefined} />
      </I18nProvider>,
    );
    await screen.findByPlaceholderText("Pesquisar emoji");
    expect(screen.getByLabelText("Tom de pele neutro")).toBeTruthy();
    // names and categories come from the Portuguese dataset
    await waitFor(() => expect(document.querySelector('[data-epr-category="animals_nature"]')?.getAttribute("aria-label")).toBe("animais e natureza"));
  }, 20_000);

  it("closes on Escape", async () => {
    const onClose = vi.fn();
    render(
      <I18nProvider lang="en">
        <EmojiPanel onPick={() => undefined} onClose={onClose} />
      </I18nProvider>,
    );
    await screen.findByPlaceholderText("Search emoji");
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  }, 20_000);

  it("ships the picker's current CSS (re-run scripts/emoji-picker-css.mjs after an upgrade)", async () => {
    render(
      <I18nProvider lang="en">
        <EmojiPanel onPick={() => undefined} onClose={() => undefined} />
      </I18nProvider>,
    );
    await screen.findByPlaceholderText("Search emoji");
    // What the picker injects at run time (blocked by our CSP in a browser) must all be in the static file.
    const injected = [...document.querySelectorAll("style")].flatMap((el) => (el.textContent ?? "").split("\n")).filter((l) => l.startsWith(".epr"));
    // (server rendering wraps token classes in :where(); same declarations)
    const shipped = readFileSync("src/features/composer/emojiPicker.css", "utf8").replace(/:where\((\.[\w-]+)\)/g, "$1");
    expect(injected.length).toBeGreaterThan(100);
    expect(injected.filter((rule) => !shipped.includes(rule))).toEqual([]);
  }, 20_000);
});
