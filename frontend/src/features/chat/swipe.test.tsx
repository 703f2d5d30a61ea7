import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Message } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { makeMessage, me, newQueryClient } from "../../test/fixtures";
import { MessageBubble } from "./MessageBubble";
import { SWIPE_MAX_PX, SWIPE_REPLY_PX, swipeOffset, swipePhase } from "./swipe";

afterEach(cleanup);

describe("swipePhase", () => {
  it("waits for the finger to move past the slop", () => {
    expect(swipePhase("pending", 4, -3)).toBe("pending");
  });
  it("a mostly horizontal move right is a drag", () => {
    expect(swipePhase("pending", 20, 5)).toBe("drag");
  });
  it("a vertical move is a scroll, and a drag left is nothing of ours", () => {
    expect(swipePhase("pending", 8, 30)).toBe("scroll");
    expect(swipePhase("pending", -30, 0)).toBe("scroll");
  });
  it("a decided gesture stays decided", () => {
    expect(swipePhase("scroll", 200, 0)).toBe("scroll");
    expect(swipePhase("drag", 5, 80)).toBe("drag");
  });
  it("the bubble follows the finger within bounds", () => {
    expect(swipeOffset(-20)).toBe(0);
    expect(swipeOffset(40)).toBe(40);
    expect(swipeOffset(500)).toBe(SWIPE_MAX_PX);
  });
});

function renderBubble(message: Message, onReply = vi.fn()) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  render(
    <I18nProvider lang="pt-BR">
      <QueryClientProvider client={qc}>
        <MessageBubble message={message} meId="u1" onRetry={vi.fn()} onReply={onReply} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return { onReply, bubble: screen.getByTestId("message-bubble") };
}

type Pt = [number, number];
function gesture(el: HTMLElement, points: Pt[], pointerType = "touch") {
  const at = ([clientX, clientY]: Pt) => ({ pointerId: 7, pointerType, isPrimary: true, clientX, clientY });
  fireEvent.pointerDown(el, at(points[0]!));
  for (const p of points.slice(1)) fireEvent.pointerMove(el, at(p));
  fireEvent.pointerUp(el, at(points[points.length - 1]!));
}

describe("swipe to reply", () => {
  it("a drag right past the threshold replies to the message and puts the bubble back", () => {
    const m = makeMessage({ id: "m9" });
    const { onReply, bubble } = renderBubble(m);
    fireEvent.pointerDown(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 10, clientY: 100 });
    fireEvent.pointerMove(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 40, clientY: 104 });
    expect(bubble.style.transform).toBe("translateX(30px)");
    expect(bubble.dataset.swipe).toBe("drag");
    fireEvent.pointerMove(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 10 + SWIPE_REPLY_PX + 5, clientY: 106 });
    expect(bubble.dataset.swipe).toBe("armed");
    fireEvent.pointerUp(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 10 + SWIPE_REPLY_PX + 5, clientY: 106 });
    expect(onReply).toHaveBeenCalledWith(m);
    expect(bubble.style.transform).toBe("");
    expect(bubble.dataset.swipe).toBeUndefined();
  });

  it("a short drag does not reply", () => {
    const { onReply, bubble } = renderBubble(makeMessage());
    gesture(bubble, [[10, 100], [30, 100], [10 + SWIPE_REPLY_PX - 10, 100]]);
    expect(onReply).not.toHaveBeenCalled();
  });

  it("scrolling vertically never drags, even if the finger drifts right later", () => {
    const { onReply, bubble } = renderBubble(makeMessage());
    gesture(bubble, [[10, 100], [14, 140], [120, 150]]);
    expect(onReply).not.toHaveBeenCalled();
    expect(bubble.style.transform).toBe("");
  });

  it("a cancelled touch (the browser took it) does nothing", () => {
    const { onReply, bubble } = renderBubble(makeMessage());
    fireEvent.pointerDown(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 10, clientY: 100 });
    fireEvent.pointerMove(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 60, clientY: 100 });
    fireEvent.pointerCancel(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true });
    fireEvent.pointerUp(bubble, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: 200, clientY: 100 });
    expect(onReply).not.toHaveBeenCalled();
    expect(bubble.style.transform).toBe("");
  });

  it("the mouse keeps the hover button; deleted messages cannot be swiped", () => {
    const { onReply, bubble } = renderBubble(makeMessage());
    gesture(bubble, [[10, 100], [200, 100]], "mouse");
    expect(onReply).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Responder" }));
    expect(onReply).toHaveBeenCalledTimes(1);
    cleanup();
    const deleted = renderBubble(makeMessage({ deleted: true }));
    gesture(deleted.bubble, [[10, 100], [200, 100]]);
    expect(deleted.onReply).not.toHaveBeenCalled();
  });
});
