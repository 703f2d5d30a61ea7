import { useEffect, useRef } from "react";

export interface ShortcutHandlers {
  focusSearch: () => void;
  next: () => void;
  previous: () => void;
  closeTicket: (andNext: boolean) => void;
  back: () => void;
  /** "?" (outside a text field): the shortcuts overlay. */
  help: () => void;
}

/** Typing in a field: "?" is a character there, not a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Alt+J/K next/previous, Alt+E close, Ctrl/Cmd+Alt+E close + next, Ctrl/Cmd+K search, Esc back, ? help. */
export function useInboxShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers; // the latest handlers, read at key time
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const h = ref.current;
      // e.code: Alt+J types "∆" on a Mac keyboard, the physical key is still KeyJ.
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.code === "KeyK") {
        e.preventDefault();
        h.focusSearch();
      } else if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyJ") {
        e.preventDefault();
        h.next();
      } else if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyK") {
        e.preventDefault();
        h.previous();
      } else if (e.altKey && e.code === "KeyE") {
        e.preventDefault();
        h.closeTicket(e.ctrlKey || e.metaKey);
      } else if (e.key === "?" && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
        if (document.querySelector("dialog[open]")) return;
        e.preventDefault();
        h.help();
      } else if (e.key === "Escape" && !e.defaultPrevented) {
        if (document.querySelector("dialog[open]")) return;
        h.back();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
