// Centrifugo connection: token from the app, org channel always, the open conversation's
// channel on demand. Every publication goes through applyEvent (the one event -> cache map).
import { Centrifuge, State, UnauthorizedError, type Subscription } from "centrifuge";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";
import { fetchConnectionToken, fetchSubscriptionToken } from "../api/realtime";
import type { ChatEvent } from "../api/types";
import { applyEvent, invalidateAfterGap, isChatEvent } from "./applyEvent";

export type ConnectionState = "connecting" | "connected" | "disconnected";
export type EventListener = (event: ChatEvent) => void;

/** The token endpoint may answer a path ("/connection/websocket") or a full ws(s):// URL. */
export function resolveWsUrl(url: string): string {
  if (/^wss?:\/\//i.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, "ws");
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${window.location.host}${url.startsWith("/") ? "" : "/"}${url}`;
}

function authError(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 401 || err.status === 403);
}

export function attachHandlers(
  sub: Subscription,
  qc: QueryClient,
  meId: string | null,
  emit: (e: ChatEvent) => void,
): void {
  sub.on("subscribed", (ctx) => {
    if (!ctx.recovered) invalidateAfterGap(qc, ctx.channel);
  });
  sub.on("publication", (ctx) => {
    if (!isChatEvent(ctx.data)) return;
    applyEvent(qc, ctx.data, { meId });
    emit(ctx.data);
  });
}

function newSub(client: Centrifuge, channel: string): Subscription {
  return (
    client.getSubscription(channel) ??
    client.newSubscription(channel, {
      getToken: async (ctx) => {
        try {
          return await fetchSubscriptionToken(ctx.channel);
        } catch (err) {
          if (authError(err)) throw new UnauthorizedError("subscription refused");
          throw err;
        }
      },
    })
  );
}

export interface CentrifugoHandle {
  client: Centrifuge | null;
  state: ConnectionState;
  reconnect: () => void;
  addListener: (l: EventListener) => () => void;
  emit: (e: ChatEvent) => void;
  meId: string | null;
}

export function useCentrifugo(opts: { orgId: string | null; meId: string | null; enabled?: boolean }): CentrifugoHandle {
  const { orgId, meId, enabled = true } = opts;
  const qc = useQueryClient();
  const [client, setClient] = useState<Centrifuge | null>(null);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [attempt, setAttempt] = useState(0);
  const listeners = useRef(new Set<EventListener>());

  const emit = useCallback((e: ChatEvent) => {
    for (const l of listeners.current) l(e);
  }, []);

  useEffect(() => {
    if (!enabled || !orgId) return;
    let cancelled = false;
    let c: Centrifuge | null = null;
    fetchConnectionToken()
      .then(({ token, url }) => {
        if (cancelled) return;
        c = new Centrifuge(resolveWsUrl(url), {
          token,
          getToken: async () => {
            try {
              return (await fetchConnectionToken()).token;
            } catch (err) {
              if (authError(err)) throw new UnauthorizedError("connection refused");
              throw err;
            }
          },
        });
        c.on("state", (ctx) => setState(ctx.newState as ConnectionState));
        const org = newSub(c, `chat:org:${orgId}`);
        attachHandlers(org, qc, meId, emit);
        org.subscribe();
        c.connect();
        setClient(c);
      })
      .catch(() => {
        if (!cancelled) setState("disconnected");
      });
    return () => {
      cancelled = true;
      c?.disconnect();
      setClient(null);
      setState("connecting"); // what the next run (new org, user or attempt) starts as
    };
  }, [enabled, orgId, meId, qc, emit, attempt]);

  // Coming back online: don't wait for the SDK's backoff.
  useEffect(() => {
    const onOnline = () => {
      if (client && client.state === State.Disconnected) client.connect();
      else if (!client) setAttempt((a) => a + 1);
    };
    window.addEventListener("online", onOnline);
    return () => window.removeEventListener("online", onOnline);
  }, [client]);

  const reconnect = useCallback(() => {
    if (client) {
      client.disconnect();
      client.connect();
    } else {
      setAttempt((a) => a + 1);
    }
  }, [client]);

  const addListener = useCallback((l: EventListener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);

  return { client, state, reconnect, addListener, emit, meId };
}

/** Subscribe to `chat:conversation:{id}` while that conversation is open. */
export function useConversationSubscription(handle: CentrifugoHandle, conversationId: string | null): void {
  const qc = useQueryClient();
  const { client, meId, emit } = handle;
  useEffect(() => {
    if (!client || !conversationId) return;
    const sub = newSub(client, `chat:conversation:${conversationId}`);
    attachHandlers(sub, qc, meId, emit);
    sub.subscribe();
    return () => {
      sub.unsubscribe();
      client.removeSubscription(sub);
    };
  }, [client, conversationId, qc, meId, emit]);
}
