/** The draft after inserting `text` over the selection [start, end), and where the caret goes. */
export function insertAtCaret(value: string, start: number | null, end: number | null, text: string): { value: string; caret: number } {
  const s = Math.max(0, Math.min(start ?? value.length, value.length));
  const e = Math.max(s, Math.min(end ?? s, value.length));
  return { value: value.slice(0, s) + text + value.slice(e), caret: s + text.length };
}
