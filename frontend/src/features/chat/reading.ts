// Reading aids of the open chat: pure functions (vitest: reading.test.ts).
import type { Message } from "../../api/types";

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

function graphemes(text: string): string[] {
  if (segmenter) return Array.from(segmenter.segment(text), (s) => s.segment);
  return Array.from(text);
}

/**
 * How many emoji a text is made of when it is nothing but 1-3 emoji (spaces allowed), else 0.
 * Such messages are shown enlarged, as WhatsApp does. A grapheme counts as one emoji (👍🏽, 👨‍👩‍👧, 🇧🇷, 1️⃣).
 */
export function emojiOnlyCount(text: string | null | undefined, max = 3): number {
  if (!text) return 0;
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > 64) return 0;
  let n = 0;
  for (const g of graphemes(trimmed)) {
    if (/^\s+$/u.test(g)) continue;
    if (!EMOJI.test(g) || /[\p{L}\p{N}]/u.test(g.replace(/[0-9#*]\uFE0F?\u20E3/gu, ""))) return 0;
    n += 1;
    if (n > max) return 0;
  }
  return n;
}

/** A lead's message counted by the conversation's unread counter (not a note, a system line or ours). */
function countsAsUnread(m: Message): boolean {
  return m.senderType === "LEAD" && !m.note;
}

/**
 * Where the unread divider goes when a chat opens with `unread` unread messages: the index of the
 * first unread message (the unread-th lead message from the end), or 0 (the oldest loaded message)
 * when fewer are loaded; null when nothing is unread or no lead message is loaded.
 */
export function firstUnreadIndex(messages: readonly Message[], unread: number): number | null {
  if (unread <= 0) return null;
  let seen = 0;
  let index: number | null = null;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (!countsAsUnread(messages[i]!)) continue;
    seen += 1;
    index = i;
    if (seen === unread) return i;
  }
  return index === null ? null : 0;
}

/** Messages longer than this (characters or lines) are folded with "Ler mais". */
export const FOLD_CHARS = 700;
export const FOLD_LINES = 12;

/** The folded start of a long text (cut at a word or line end), or null when it is short enough. */
export function foldText(text: string | null | undefined, chars = FOLD_CHARS, lines = FOLD_LINES): string | null {
  if (!text) return null;
  const lineBreaks = text.split("\n");
  let cut = text.length;
  if (lineBreaks.length > lines) cut = lineBreaks.slice(0, lines).join("\n").length;
  if (cut > chars) cut = chars;
  if (cut >= text.length) return null;
  // Fold only when a real amount is hidden (not a few characters).
  if (text.length - cut < 80 && lineBreaks.length <= lines + 1) return null;
  let head = text.slice(0, cut);
  const space = head.search(/\s\S*$/u);
  if (space > chars * 0.6) head = head.slice(0, space);
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return head.trimEnd() + "…";
}

/**
 * New messages since the reader left the bottom: those not among the keys seen then (by identity,
 * not position: messages of the same second may swap places when a page is refetched). System
 * lines are not counted.
 */
export function countNewSince(messages: readonly Message[], seen: ReadonlySet<string> | null, keyOf: (m: Message) => string): number {
  if (seen === null) return 0;
  let n = 0;
  for (const m of messages) if (m.senderType !== "SYSTEM" && !seen.has(keyOf(m))) n += 1;
  return n;
}
