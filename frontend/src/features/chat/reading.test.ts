import { describe, expect, it } from "vitest";
import { makeMessage } from "../../test/fixtures";
import { countNewSince, emojiOnlyCount, firstUnreadIndex, foldText } from "./reading";

describe("emojiOnlyCount", () => {
  it("counts 1-3 emoji, one per grapheme", () => {
    expect(emojiOnlyCount("👍")).toBe(1);
    expect(emojiOnlyCount(" 😂 😂 ")).toBe(2);
    expect(emojiOnlyCount("👍🏽🇧🇷👨‍👩‍👧")).toBe(3);
    expect(emojiOnlyCount("❤️")).toBe(1);
    expect(emojiOnlyCount("1️⃣")).toBe(1);
  });
  it("is 0 for text, digits, more than three or nothing", () => {
    expect(emojiOnlyCount("ok 👍")).toBe(0);
    expect(emojiOnlyCount("👍👍👍👍")).toBe(0);
    expect(emojiOnlyCount("123")).toBe(0);
    expect(emojiOnlyCount("#")).toBe(0);
    expect(emojiOnlyCount("")).toBe(0);
    expect(emojiOnlyCount(null)).toBe(0);
    expect(emojiOnlyCount("   ")).toBe(0);
  });
});

describe("firstUnreadIndex", () => {
  const lead = (id: string) => makeMessage({ id, senderType: "LEAD" });
  const ours = (id: string) => makeMessage({ id, senderType: "USER" });
  const system = (id: string) => makeMessage({ id, senderType: "SYSTEM" });

  it("is the unread-th lead message from the end, skipping ours and system lines", () => {
    const ms = [lead("a"), ours("b"), lead("c"), system("d"), lead("e")];
    expect(firstUnreadIndex(ms, 1)).toBe(4);
    expect(firstUnreadIndex(ms, 2)).toBe(2);
    expect(firstUnreadIndex(ms, 3)).toBe(0);
  });
  it("is the oldest loaded message when fewer unread are loaded, null when nothing is unread", () => {
    const ms = [ours("x"), lead("a"), lead("b")];
    expect(firstUnreadIndex(ms, 5)).toBe(0);
    expect(firstUnreadIndex(ms, 0)).toBeNull();
    expect(firstUnreadIndex([ours("x")], 2)).toBeNull();
    expect(firstUnreadIndex([], 1)).toBeNull();
  });
  it("does not count internal notes", () => {
    const ms = [lead("a"), makeMessage({ id: "n", senderType: "LEAD", note: true }), lead("b")];
    expect(firstUnreadIndex(ms, 2)).toBe(0);
  });
});

describe("foldText", () => {
  it("leaves short texts whole", () => {
    expect(foldText("olá")).toBeNull();
    expect(foldText("a".repeat(700))).toBeNull();
    expect(foldText(null)).toBeNull();
  });
  it("folds long texts at a word, with an ellipsis", () => {
    const text = "palavra ".repeat(200);
    const head = foldText(text)!;
    expect(head.length).toBeLessThanOrEqual(701);
    expect(head.endsWith("palavra…")).toBe(true);
    expect(text.startsWith(head.slice(0, -1))).toBe(true);
  });
  it("folds many short lines", () => {
    const text = Array.from({ length: 30 }, (_, i) => `linha ${i}`).join("\n");
    const head = foldText(text)!;
    expect(head.split("\n")).toHaveLength(12);
  });
  it("never splits an emoji", () => {
    const head = foldText("😀".repeat(500), 701)!;
    expect(head.endsWith("😀…")).toBe(true);
  });
});

describe("countNewSince", () => {
  const key = (m: { id: string }) => m.id;
  it("counts messages not seen when the reader left the bottom, system lines left out", () => {
    const ms = [makeMessage({ id: "a" }), makeMessage({ id: "b" }), makeMessage({ id: "s", senderType: "SYSTEM" }), makeMessage({ id: "c" })];
    expect(countNewSince(ms, new Set(["a"]), key)).toBe(2);
    expect(countNewSince(ms, new Set(["a", "b", "c"]), key)).toBe(0);
    expect(countNewSince(ms, null, key)).toBe(0);
  });
  it("does not count a seen message that moved after a refetch", () => {
    const ms = [makeMessage({ id: "a" }), makeMessage({ id: "c" }), makeMessage({ id: "b" })];
    expect(countNewSince(ms, new Set(["a", "b", "c"]), key)).toBe(0);
  });
});
