import { useCallback, useRef } from "react";
import { useMe } from "../../api/auth";
import { mentionsUser } from "../../api/notes";
import type { ChatEvent } from "../../api/types";
import { showToast } from "../../components/ui/toast";
import { tNow } from "../../i18n/i18n";
import { useRealtimeListener } from "../../realtime/RealtimeProvider";

/** A colleague's internal note that @mentions me: a toast, and a browser notification when hidden. */
export function useMentionNotifications(): void {
  const { data: me } = useMe();
  const seen = useRef(new Set<string>());
  const meId = me?.user.id;
  const onEvent = useCallback(
    (e: ChatEvent) => {
      if (e.type !== "new_message" || !meId || e.data.senderId === meId || !mentionsUser(e.data, meId)) return;
      if (seen.current.has(e.data.id)) return; // org and conversation channel both carry it
      seen.current.add(e.data.id);
      const text = tNow("note.mentionedYou", { name: e.data.senderName ?? "" });
      showToast(text, "info");
      if (document.visibilityState === "hidden" && "Notification" in window && Notification.permission === "granted") {
        try {
          new Notification(text, { body: (e.data.content ?? "").slice(0, 140), tag: `note-${e.data.id}` });
        } catch {
          /* notifications only from a service worker in some browsers */
        }
      }
    },
    [meId],
  );
  useRealtimeListener(onEvent);
}
