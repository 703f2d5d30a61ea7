// Quick replies in the composer: "/" at the start of a word opens the picker, filtered by what
// follows; inserting one fills the variables.

export interface QuickReplyLike {
  shortcut: string;
  content: string;
}

export interface Variables {
  /** The lead's name as the agent sees it (name, else WhatsApp name). */
  leadName: string | null | undefined;
  /** The agent inserting it. */
  agentName: string | null | undefined;
}

/** {nome}, {primeiro_nome}, {atendente} filled; an unknown value leaves "" (never "{nome}"). */
export function expandQuickReply(content: string, v: Variables): string {
  const lead = (v.leadName ?? "").trim();
  const values: Record<string, string> = {
    nome: lead,
    primeiro_nome: lead.split(/\s+/)[0] ?? "",
    atendente: (v.agentName ?? "").trim(),
  };
  return content
    .replace(/\{(nome|primeiro_nome|atendente)\}/gi, (_m, key: string) => values[key.toLowerCase()] ?? "")
    .replace(/ +([,.!?])/g, "$1") // "Olá {nome}!" with no name: "Olá!"
    .replace(/ {2,}/g, " ");
}

/** The "/query" being typed at the caret (the slash at the start or after a space), else null. */
export function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(before);
  if (!m) return null;
  return { start: caret - m[2]!.length - 1, query: m[2]! };
}

function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Shortcuts starting with the query first, then those containing it (in shortcut or text). */
export function filterQuickReplies<T extends QuickReplyLike>(items: T[], query: string): T[] {
  const q = fold(query);
  if (!q) return items;
  const starts = items.filter((i) => fold(i.shortcut).startsWith(q));
  const rest = items.filter((i) => !starts.includes(i) && (fold(i.shortcut).includes(q) || fold(i.content).includes(q)));
  return [...starts, ...rest];
}

/** The draft with "/query" replaced by the expanded text; the caret goes after it. */
export function insertQuickReply(text: string, at: { start: number; query: string }, expanded: string): { text: string; caret: number } {
  const end = at.start + 1 + at.query.length;
  const next = text.slice(0, at.start) + expanded + text.slice(end);
  return { text: next, caret: at.start + expanded.length };
}
