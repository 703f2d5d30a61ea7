import { useRef, type PointerEvent } from "react";

/** How far right a finger drags a bubble before letting go replies to it (WhatsApp's feel). */
export const SWIPE_REPLY_PX = 64;
/** Movement before the gesture is read as a horizontal drag or a vertical scroll. */
export const SWIPE_SLOP_PX = 10;
/** The bubble follows the finger up to here. */
export const SWIPE_MAX_PX = 96;

export type SwipePhase = "pending" | "drag" | "scroll";

/**
 * What a touch moving by (dx, dy) from where it went down is: still undecided, a drag to the
 * right (the bubble follows), or anything else (a scroll, a drag left): ignored until it ends.
 * Once decided, a gesture stays what it is.
 */
export function swipePhase(phase: SwipePhase, dx: number, dy: number): SwipePhase {
  if (phase !== "pending") return phase;
  if (Math.abs(dx) < SWIPE_SLOP_PX && Math.abs(dy) < SWIPE_SLOP_PX) return "pending";
  return dx > 0 && dx > Math.abs(dy) * 1.5 ? "drag" : "scroll";
}

/** Where the bubble sits while dragged: with the finger, at most SWIPE_MAX_PX, never left. */
export function swipeOffset(dx: number): number {
  return Math.max(0, Math.min(dx, SWIPE_MAX_PX));
}

interface Gesture {
  id: number;
  x: number;
  y: number;
  phase: SwipePhase;
  dx: number;
}

/**
 * Swipe-to-reply on touch screens: pointer handlers for a bubble. Only touch pointers; the mouse
 * keeps the hover button. The bubble needs `touch-action: pan-y` so the browser scrolls vertically
 * by itself and hands horizontal moves to us. The element moves by style (no re-render per move).
 */
export function useSwipeToReply(onReply: (() => void) | undefined) {
  const g = useRef<Gesture | null>(null);
  const reset = (el: HTMLElement) => {
    g.current = null;
    el.style.transform = "";
    delete el.dataset.swipe;
  };
  if (!onReply) return {};
  return {
    onPointerDown: (e: PointerEvent<HTMLElement>) => {
      if (e.pointerType !== "touch" || !e.isPrimary) return;
      g.current = { id: e.pointerId, x: e.clientX, y: e.clientY, phase: "pending", dx: 0 };
    },
    onPointerMove: (e: PointerEvent<HTMLElement>) => {
      const s = g.current;
      if (!s || s.id !== e.pointerId) return;
      const dx = e.clientX - s.x;
      const dy = e.clientY - s.y;
      const was = s.phase;
      s.phase = swipePhase(s.phase, dx, dy);
      if (s.phase !== "drag") return;
      if (was !== "drag") {
        try {
          e.currentTarget.setPointerCapture?.(e.pointerId); // keep the moves when the finger leaves the bubble
        } catch {
          /* the pointer is gone already: its up/cancel ends the gesture anyway */
        }
      }
      s.dx = dx;
      e.currentTarget.style.transform = `translateX(${swipeOffset(dx)}px)`;
      e.currentTarget.dataset.swipe = dx >= SWIPE_REPLY_PX ? "armed" : "drag";
    },
    onPointerUp: (e: PointerEvent<HTMLElement>) => {
      const s = g.current;
      if (!s || s.id !== e.pointerId) return;
      const reply = s.phase === "drag" && e.clientX - s.x >= SWIPE_REPLY_PX;
      reset(e.currentTarget);
      if (reply) onReply();
    },
    onPointerCancel: (e: PointerEvent<HTMLElement>) => {
      if (g.current?.id === e.pointerId) reset(e.currentTarget);
    },
  };
}
