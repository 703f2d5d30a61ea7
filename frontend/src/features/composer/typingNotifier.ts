// Agent typing -> POST /typing: at most once per 3 s while typing, "stopped" after 5 s idle
// or when the message is sent.
export const TYPING_THROTTLE_MS = 3000;
export const TYPING_IDLE_MS = 5000;

export interface TypingNotifier {
  input: () => void;
  stop: () => void;
}

export function createTypingNotifier(
  send: (isTyping: boolean) => void,
  now: () => number = Date.now,
): TypingNotifier {
  let typing = false;
  let lastSent = 0;
  let idle: ReturnType<typeof setTimeout> | null = null;
  const stop = () => {
    if (idle) clearTimeout(idle);
    idle = null;
    if (typing) {
      typing = false;
      send(false);
    }
  };
  return {
    input() {
      const t = now();
      if (!typing || t - lastSent >= TYPING_THROTTLE_MS) {
        typing = true;
        lastSent = t;
        send(true);
      }
      if (idle) clearTimeout(idle);
      idle = setTimeout(stop, TYPING_IDLE_MS);
    },
    stop,
  };
}
