import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import { findConversation } from "../../api/conversations";
import type { ChatEvent } from "../../api/types";
import { tNow } from "../../i18n/i18n";
import { stripWhatsApp } from "../../lib/whatsappFormat";
import { useRealtimeListener } from "../../realtime/RealtimeProvider";
import { navigate } from "../../router";
import { playChime, shouldAlert, soundEnabled } from "./alerts";

const BASE_TITLE = "Whatrack";

export function titleWithBadge(count: number): string {
  return count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
}

/**
 * "(3) Whatrack" for lead messages that arrive while the tab is hidden; a chime (Settings can turn
 * it off) and a browser notification that opens the chat, for conversations the agent can act on.
 */
export function useNotifications(meId: string): void {
  const qc = useQueryClient();
  const unseen = useRef(0);
  const seen = useRef(new Set<string>());

  useEffect(() => {
    document.title = titleWithBadge(0);
    const onVisible = () => {
      if (document.visibilityState === "visible") {
        unseen.current = 0;
        document.title = titleWithBadge(0);
      }
    };
    document.addEventListener("visibilitychange", onVisible);
    // Permission may only be asked from a user gesture.
    const ask = () => {
      if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
    };
    window.addEventListener("pointerdown", ask, { once: true });
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("pointerdown", ask);
    };
  }, []);

  const onEvent = useCallback((e: ChatEvent) => {
    if (e.type !== "new_message" || e.data.senderType !== "LEAD") return;
    const m = e.data;
    // The same message arrives on the org and the conversation channel.
    if (seen.current.has(m.id)) return;
    seen.current.add(m.id);
    if (seen.current.size > 500) seen.current = new Set([...seen.current].slice(-200));
    const visible = document.visibilityState !== "hidden";
    const alert = shouldAlert({
      conversation: findConversation(qc, m.conversationId),
      conversationId: m.conversationId,
      meId,
      openId: new URLSearchParams(window.location.search).get("c"),
      visible,
    });
    if (alert && soundEnabled()) playChime();
    if (visible) return;
    unseen.current += 1;
    document.title = titleWithBadge(unseen.current);
    if (alert && "Notification" in window && Notification.permission === "granted") {
      try {
        const n = new Notification(tNow("notify.newMessage", { name: m.senderName || "Lead" }), {
          body: m.content ? stripWhatsApp(m.content).slice(0, 140) : "",
          tag: m.conversationId,
        });
        n.onclick = () => {
          window.focus();
          navigate(`/inbox?c=${encodeURIComponent(m.conversationId)}`);
          n.close();
        };
      } catch {
        /* some browsers only allow notifications from a service worker */
      }
    }
  }, [qc, meId]);
  useRealtimeListener(onEvent);
}
