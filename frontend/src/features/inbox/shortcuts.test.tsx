import { cleanup, render, renderHook, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n/i18n";
import { ShortcutsDialog } from "./ShortcutsDialog";
import { useInboxShortcuts, type ShortcutHandlers } from "./useInboxShortcuts";

afterEach(cleanup);

function handlers(): ShortcutHandlers {
  return { focusSearch: vi.fn(), next: vi.fn(), previous: vi.fn(), closeTicket: vi.fn(), back: vi.fn(), help: vi.fn() };
}

describe("? opens the shortcuts overlay", () => {
  it("outside a text field", () => {
    const h = handlers();
    renderHook(() => useInboxShortcuts(h));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "?" }));
    expect(h.help).toHaveBeenCalledTimes(1);
  });

  it("not while typing in the composer or the search box", () => {
    const h = handlers();
    renderHook(() => useInboxShortcuts(h));
    for (const tag of ["textarea", "input"]) {
      const field = document.createElement(tag);
      document.body.appendChild(field);
      field.dispatchEvent(new KeyboardEvent("keydown", { key: "?", bubbles: true }));
      field.remove();
    }
    expect(h.help).not.toHaveBeenCalled();
  });

  it("lists the shortcuts in pt-BR and English", () => {
    const { unmount } = render(
      <I18nProvider lang="pt-BR">
        <ShortcutsDialog open onClose={vi.fn()} />
      </I18nProvider>,
    );
    expect(screen.getByText("Atalhos de teclado")).toBeTruthy();
    expect(screen.getByText("Próxima conversa")).toBeTruthy();
    unmount();
    render(
      <I18nProvider lang="en">
        <ShortcutsDialog open onClose={vi.fn()} />
      </I18nProvider>,
    );
    expect(screen.getByText("Keyboard shortcuts")).toBeTruthy();
    expect(screen.getByText("Close the ticket and open the next one")).toBeTruthy();
  });
});
