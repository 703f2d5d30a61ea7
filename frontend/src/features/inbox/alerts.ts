// Which new lead messages alert the agent (sound, browser notification), and the sound itself.
import type { Conversation } from "../../api/types";
import { storage } from "../../lib/storage";

const SOUND_KEY = "whatrack.sound";

/** The notification sound: on unless this browser's user turned it off in Settings. */
export function soundEnabled(): boolean {
  return storage.get(SOUND_KEY) !== "off";
}

export function setSoundEnabled(on: boolean): void {
  if (on) storage.remove(SOUND_KEY);
  else storage.set(SOUND_KEY, "off");
}

/**
 * A lead's message alerts only for conversations the agent can act on — theirs or unassigned —
 * and not for the chat they are looking at. An unknown conversation (not in any list yet) is new,
 * so unassigned.
 */
export function shouldAlert(opts: {
  conversation: Pick<Conversation, "id" | "assignee"> | undefined;
  conversationId: string;
  meId: string;
  openId: string | null;
  visible: boolean;
}): boolean {
  const assignee = opts.conversation?.assignee ?? null;
  if (assignee && assignee.id !== opts.meId) return false;
  return !(opts.visible && opts.openId === opts.conversationId);
}

let ctx: AudioContext | null = null;

/** A short two-note chime made with Web Audio (no file to download). Silent where not allowed. */
export function playChime(): void {
  try {
    const Ctx = window.AudioContext;
    if (typeof Ctx !== "function") return;
    ctx ??= new Ctx();
    if (ctx.state === "suspended") void ctx.resume();
    const now = ctx.currentTime;
    [880, 1320].forEach((freq, i) => {
      const osc = ctx!.createOscillator();
      const gain = ctx!.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const start = now + i * 0.12;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
      osc.connect(gain).connect(ctx!.destination);
      osc.start(start);
      osc.stop(start + 0.3);
    });
  } catch {
    /* no audio device or autoplay refused: the badge and title still say it */
  }
}
