import { createContext, useContext, useEffect, useSyncExternalStore, type ReactNode } from "react";
import type { Me } from "../api/types";
import { useCentrifugo, useConversationSubscription, type CentrifugoHandle, type EventListener } from "./useCentrifugo";

const Ctx = createContext<CentrifugoHandle | null>(null);

export function RealtimeProvider({ me, children }: { me: Me; children: ReactNode }) {
  const restricted = me.role !== "admin" && me.organization.agentVisibility === "assigned_and_unassigned";
  const handle = useCentrifugo({ orgId: me.organization.id, meId: me.user.id, restricted });
  return <Ctx.Provider value={handle}>{children}</Ctx.Provider>;
}

function useHandle(): CentrifugoHandle {
  const h = useContext(Ctx);
  if (!h) throw new Error("RealtimeProvider missing");
  return h;
}

export function useOnline(): boolean {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener("online", cb);
      window.addEventListener("offline", cb);
      return () => {
        window.removeEventListener("online", cb);
        window.removeEventListener("offline", cb);
      };
    },
    () => navigator.onLine,
    () => true,
  );
}

/** Connection state for the status pill: offline wins over the socket state. */
export function useConnectionStatus() {
  const h = useContext(Ctx);
  const online = useOnline();
  const state = h?.state ?? "disconnected";
  return { state: online ? state : ("offline" as const), reconnect: h?.reconnect ?? (() => undefined) };
}

export function useConversationChannel(conversationId: string | null): void {
  useConversationSubscription(useHandle(), conversationId);
}

/** Side effects on events (notifications, mark-read), after the cache was updated. */
export function useRealtimeListener(listener: EventListener): void {
  const { addListener } = useHandle();
  useEffect(() => addListener(listener), [addListener, listener]);
}
