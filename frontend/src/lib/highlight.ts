/**
 * Accent- and case-insensitive highlighting, folding text the way the server's search does
 * (`db.fold()`: NFKD, combining marks dropped, lower case): "catalogo" marks "Catálogo".
 * The server answers a snippet; the client finds the term in it (docs/api.md).
 */

export interface Part {
  text: string;
  match: boolean;
}

function foldChar(ch: string): string {
  return ch.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

export function fold(text: string): string {
  let out = "";
  for (const ch of text) out += foldChar(ch);
  return out;
}

/** `text` cut into parts, every occurrence of `term` (folded) marked. */
export function highlightParts(text: string, term: string): Part[] {
  const needle = fold(term.trim());
  if (!needle || !text) return text ? [{ text, match: false }] : [];
  // folded index -> index in text (start of the code point it came from)
  let folded = "";
  const origin: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = foldChar(ch);
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  origin.push(text.length);
  const parts: Part[] = [];
  let done = 0; // index in text already emitted
  let from = 0;
  for (;;) {
    const at = folded.indexOf(needle, from);
    if (at < 0) break;
    const start = origin[at]!;
    const endFolded = at + needle.length;
    // the match ends after the last code point it touched
    let end = origin[endFolded]!;
    if (endFolded < folded.length && origin[endFolded] === origin[endFolded - 1]) {
      end = origin.find((o, j) => j > endFolded && o > origin[endFolded - 1]!) ?? text.length;
    }
    if (start < done) {
      from = endFolded;
      continue;
    }
    if (start > done) parts.push({ text: text.slice(done, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    done = end;
    from = endFolded;
  }
  if (done < text.length) parts.push({ text: text.slice(done), match: false });
  return parts;
}
