import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTypingNotifier, TYPING_IDLE_MS, TYPING_THROTTLE_MS } from "./typingNotifier";

describe("agent typing notifier", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends true at most once per 3 s, then false after 5 s idle", () => {
    const sent: boolean[] = [];
    const n = createTypingNotifier((v) => sent.push(v), () => Date.now());
    n.input();
    vi.advanceTimersByTime(1000);
    n.input();
    vi.advanceTimersByTime(1000);
    n.input();
    expect(sent).toEqual([true]);
    vi.advanceTimersByTime(TYPING_THROTTLE_MS - 2000);
    n.input();
    expect(sent).toEqual([true, true]);
    vi.advanceTimersByTime(TYPING_IDLE_MS);
    expect(sent).toEqual([true, true, false]);
  });

  it("stop() (on send) sends false once", () => {
    const sent: boolean[] = [];
    const n = createTypingNotifier((v) => sent.push(v));
    n.input();
    n.stop();
    n.stop();
    vi.advanceTimersByTime(TYPING_IDLE_MS * 2);
    expect(sent).toEqual([true, false]);
  });
});
