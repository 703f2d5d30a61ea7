// The "/" quick-reply picker and the "@" colleague picker of the composer: one popup list
// driven from the textarea (arrows, Enter/Tab to insert, Esc to close).
import { useMemo, useState, type KeyboardEvent, type RefObject } from "react";
import { useUsers } from "../../api/auth";
import { useQuickReplies } from "../../api/quickReplies";
import { useT } from "../../i18n/i18n";
import { expandQuickReply, filterQuickReplies, insertQuickReply, slashQuery } from "./quickReplies";

export type ComposerMode = "message" | "note";

interface Item {
  key: string;
  title: string;
  detail: string;
  insert: string;
  mention?: { userId: string; name: string };
}

export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([\p{L}\p{N}_.-]*)$/u.exec(text.slice(0, caret));
  return m ? { start: caret - m[2]!.length - 1, query: m[2]! } : null;
}

function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

interface Options {
  mode: ComposerMode;
  draft: string;
  setDraft: (text: string) => void;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  leadName: string | null;
  agentName: string;
  meId: string;
  onMention: (m: { userId: string; name: string }) => void;
}

export function useSuggestions(o: Options) {
  const t = useT();
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [closedAt, setClosedAt] = useState<string | null>(null);
  const slash = o.mode === "message" ? slashQuery(o.draft, caret) : null;
  const at = o.mode === "note" ? mentionQuery(o.draft, caret) : null;
  const quick = useQuickReplies(slash !== null);
  const users = useUsers(at !== null);

  const items: Item[] = useMemo(() => {
    if (slash) {
      return filterQuickReplies(quick.data ?? [], slash.query)
        .slice(0, 8)
        .map((q) => ({
          key: q.id,
          title: `/${q.shortcut}`,
          detail: q.content,
          insert: expandQuickReply(q.content, { leadName: o.leadName, agentName: o.agentName }),
        }));
    }
    if (at) {
      const q = fold(at.query);
      return (users.data ?? [])
        .filter((u) => u.id !== o.meId && fold(u.name).includes(q))
        .slice(0, 8)
        .map((u) => ({ key: u.id, title: u.name, detail: u.email, insert: `@${u.name} `, mention: { userId: u.id, name: u.name } }));
    }
    return [];
  }, [slash, at, quick.data, users.data, o.leadName, o.agentName, o.meId]);

  const where = slash ?? at;
  const signature = where ? `${o.mode}:${where.start}:${where.query}` : null;
  const open = !!where && signature !== closedAt && (items.length > 0 || (!!slash && quick.isSuccess));
  const selected = Math.min(active, Math.max(0, items.length - 1));

  const choose = (item: Item) => {
    if (!where) return;
    const next = insertQuickReply(o.draft, where, item.insert);
    o.setDraft(next.text);
    if (item.mention) o.onMention(item.mention);
    setCaret(next.caret);
    setActive(0);
    requestAnimationFrame(() => {
      const el = o.inputRef.current;
      if (el) {
        el.focus();
        el.setSelectionRange(next.caret, next.caret);
      }
    });
  };

  /** true when the key belonged to the popup. */
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = items.length || 1;
      setActive((selected + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
      return true;
    }
    if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && items[selected]) {
      e.preventDefault();
      choose(items[selected]);
      return true;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      setClosedAt(signature);
      return true;
    }
    return false;
  };

  const track = (el: HTMLTextAreaElement) => {
    setCaret(el.selectionStart);
    setActive(0);
  };

  const popup = open ? (
    <ul className="suggestions" role="listbox" data-testid={slash ? "quick-reply-picker" : "mention-picker"} aria-label={slash ? t("quick.title") : t("note.mention")}>
      {items.length === 0 && <li className="suggestion-empty">{t("quick.none")}</li>}
      {items.map((item, i) => (
        <li
          key={item.key}
          role="option"
          aria-selected={i === selected}
          className={i === selected ? "active" : undefined}
          onMouseDown={(e) => {
            e.preventDefault();
            choose(item);
          }}
          data-testid="suggestion"
        >
          <strong>{item.title}</strong>
          <span>{item.detail}</span>
        </li>
      ))}
    </ul>
  ) : null;

  return { popup, onKeyDown, track };
}
