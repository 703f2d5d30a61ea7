import { afterEach, describe, expect, it } from "vitest";
import { setSoundEnabled, shouldAlert, soundEnabled } from "./alerts";

afterEach(() => localStorage.clear());

describe("shouldAlert", () => {
  const base = { conversationId: "c1", meId: "me", openId: null, visible: true };
  it("alerts for my conversations and unassigned ones", () => {
    expect(shouldAlert({ ...base, conversation: { id: "c1", assignee: { id: "me", name: "Eu" } } })).toBe(true);
    expect(shouldAlert({ ...base, conversation: { id: "c1", assignee: null } })).toBe(true);
    expect(shouldAlert({ ...base, conversation: undefined })).toBe(true);
  });
  it("stays quiet for a colleague's conversation", () => {
    expect(shouldAlert({ ...base, conversation: { id: "c1", assignee: { id: "other", name: "Ana" } } })).toBe(false);
  });
  it("stays quiet for the chat being read, not when the tab is hidden", () => {
    const mine = { id: "c1", assignee: null };
    expect(shouldAlert({ ...base, conversation: mine, openId: "c1" })).toBe(false);
    expect(shouldAlert({ ...base, conversation: mine, openId: "c1", visible: false })).toBe(true);
    expect(shouldAlert({ ...base, conversation: mine, openId: "c2" })).toBe(true);
  });
});

describe("sound setting", () => {
  it("is on by default and remembers off", () => {
    expect(soundEnabled()).toBe(true);
    setSoundEnabled(false);
    expect(soundEnabled()).toBe(false);
    setSoundEnabled(true);
    expect(soundEnabled()).toBe(true);
  });
});
