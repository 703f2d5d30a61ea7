// WhatsApp's lightweight markup (*bold* _italic_ ~strike~ ```mono```) and links, parsed into a
// tree that React renders as elements: user text is never injected as HTML.

export type RichNode =
  | { type: "text"; text: string }
  | { type: "link"; href: string; text: string }
  | { type: "code"; text: string }
  | { type: "bold" | "italic" | "strike"; children: RichNode[] };

const MARKERS: Record<string, "bold" | "italic" | "strike"> = { "*": "bold", _: "italic", "~": "strike" };
const URL_RE = /(?:https?:\/\/|www\.)[^\s<>"']+/iy;
const TRAILING_PUNCT = /[.,!?;:)\]}*_~]+$/;

function isWordChar(ch: string | undefined): boolean {
  return !!ch && /[\p{L}\p{N}]/u.test(ch);
}

function isSpace(ch: string | undefined): boolean {
  return !!ch && /\s/.test(ch);
}

function findClose(s: string, marker: string, from: number): number {
  for (let j = from; j < s.length; j++) {
    const ch = s[j];
    if (ch === "\n") return -1;
    if (ch === marker && j > from && !isSpace(s[j - 1]) && !isWordChar(s[j + 1])) return j;
  }
  return -1;
}

function matchUrl(s: string, i: number): { href: string; text: string } | null {
  if (i > 0 && isWordChar(s[i - 1])) return null;
  URL_RE.lastIndex = i;
  const m = URL_RE.exec(s);
  if (!m) return null;
  const text = m[0].replace(TRAILING_PUNCT, "");
  if (text.length < 5) return null;
  const href = /^www\./i.test(text) ? `https://${text}` : text;
  return { href, text };
}

function pushText(out: RichNode[], text: string): void {
  if (!text) return;
  const last = out[out.length - 1];
  if (last && last.type === "text") last.text += text;
  else out.push({ type: "text", text });
}

function parseInline(s: string): RichNode[] {
  const out: RichNode[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === "h" || ch === "H" || ch === "w" || ch === "W") {
      const url = matchUrl(s, i);
      if (url) {
        out.push({ type: "link", ...url });
        i += url.text.length;
        continue;
      }
    }
    const kind = MARKERS[ch];
    if (kind && !isWordChar(s[i - 1]) && s[i + 1] !== undefined && !isSpace(s[i + 1]) && s[i + 1] !== ch) {
      const j = findClose(s, ch, i + 1);
      if (j > i + 1) {
        out.push({ type: kind, children: parseInline(s.slice(i + 1, j)) });
        i = j + 1;
        continue;
      }
    }
    pushText(out, ch);
    i++;
  }
  return out;
}

export function parseWhatsApp(text: string): RichNode[] {
  const out: RichNode[] = [];
  const re = /```([\s\S]+?)```/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(...parseInline(text.slice(last, m.index)));
    out.push({ type: "code", text: m[1]! });
    last = m.index + m[0].length;
  }
  out.push(...parseInline(text.slice(last)));
  return out;
}

/** Plain text without markers, for previews and notifications. */
export function stripWhatsApp(text: string): string {
  const walk = (nodes: RichNode[]): string =>
    nodes.map((n) => ("children" in n ? walk(n.children) : n.text)).join("");
  return walk(parseWhatsApp(text));
}
