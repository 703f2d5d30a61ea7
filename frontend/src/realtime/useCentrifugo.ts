// Centrifugo connection: token from the app, org channel always, the open conversation's
// channel on demand. Every publication goes through applyEvent (the one event -> cache map).
//
// Tokens are short-lived (10 min): the SDK asks getToken for new ones before they expire, when
// the server says one expired (109), and after a 3014 disconnect (the server ends a logged-out
// user's connections that way; the token endpoint then answers 401 and the app shows the login).
// A token the server calls invalid (3500: its secret changed) or the "Reconectar" button build
// a new client, so every token is fetched afresh. A subscription that comes back without
// recovering what it missed (server restarted, history gone) refetches lists and the open chat.
import { Centrifuge, State, UnauthorizedError, type Subscription } from "centrifuge";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";
import { fetchConnectionToken, fetchSubscriptionToken } from "../api/realtime";
import type { ChatEvent } from "../api/types";
import { keys } from "../api/keys";
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

/** Disconnect code for a token the server can't verify: retrying it is pointless, new ones may work. */
const INVALID_TOKEN = 3500;
/** The server dropped this user's connections because what they may see changed (session ended,
 * role or visibility policy changed; realtime/control.py): the SDK reconnects by itself. */
const ACCESS_CHANGED = 3014;
/** Unsubscribe codes: the server took the channel away (final), or its token was refused. */
const SERVER_UNSUBSCRIBE = 2000;
const UNSUBSCRIBED_UNAUTHORIZED = 1;

/** Whether a subscription ended because the user may no longer read its channel (not because the
 * app left it: that is code 0). */
export function lostAccess(code: number): boolean {
  return code === SERVER_UNSUBSCRIBE || code === UNSUBSCRIBED_UNAUTHORIZED;
}

/** Reconnect backoff cap (SDK default 20 s): after a server restart, live again within seconds. */
const MAX_RECONNECT_DELAY_MS = 5000;

/** Backoff for rebuilding the client: 1 s, 2 s, 4 s ... 30 s. */
export function rebuildDelay(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(failures, 5));
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
    // First subscribe, or a resubscribe whose recovery failed (wasRecovering && !recovered: the
    // server restarted or the history is gone): what was fetched may have missed events.
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

/** The feed channels: the organization's, or for an agent who sees only their own and
 * unassigned conversations, the agents' feed and their own (the server refuses them the org's). */
export function feedChannels(orgId: string, meId: string | null, restricted: boolean): string[] {
  return restricted && meId ? [`chat:agents:${orgId}`, `chat:user:${meId}`] : [`chat:org:${orgId}`];
}

export function useCentrifugo(opts: {
  orgId: string | null;
  meId: string | null;
  enabled?: boolean;
  restricted?: boolean;
}): CentrifugoHandle {
  const { orgId, meId, enabled = true, restricted = false } = opts;
  const qc = useQueryClient();
  const [client, setClient] = useState<Centrifuge | null>(null);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [attempt, setAttempt] = useState(0);
  const listeners = useRef(new Set<EventListener>());
  const failures = useRef(0); // rebuilds in a row that did not connect

  const emit = useCallback((e: ChatEvent) => {
    for (const l of listeners.current) l(e);
  }, []);

  useEffect(() => {
    if (!enabled || !orgId) return;
    let cancelled = false;
    let c: Centrifuge | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const rebuildLater = () => {
      if (cancelled) return;
      retry = setTimeout(() => setAttempt((a) => a + 1), rebuildDelay(failures.current++));
    };
    fetchConnectionToken()
      .then(({ token, url }) => {
        if (cancelled) return;
        let first: string | null = token; // fetched with the URL: used once, then always getToken
        c = new Centrifuge(resolveWsUrl(url), {
          maxReconnectDelay: MAX_RECONNECT_DELAY_MS,
          getToken: async () => {
            if (first !== null) {
              const t = first;
              first = null;
              return t;
            }
            try {
              return (await fetchConnectionToken()).token;
            } catch (err) {
              if (authError(err)) throw new UnauthorizedError("connection refused");
              throw err;
            }
          },
        });
        c.on("state", (ctx) => setState(ctx.newState as ConnectionState));
        c.on("connected", () => {
          failures.current = 0;
        });
        c.on("disconnected", (ctx) => {
          if (ctx.code === INVALID_TOKEN) rebuildLater();
        });
        // Who I am may have changed: the answer picks the feed channels again (an agent whose
        // organization turned open, or who became an admin, takes the organization's feed).
        c.on("connecting", (ctx) => {
          if (ctx.code === ACCESS_CHANGED) void qc.invalidateQueries({ queryKey: keys.me() });
        });
        for (const channel of feedChannels(orgId, meId, restricted)) {
          const feed = newSub(c, channel);
          attachHandlers(feed, qc, meId, emit);
          // Refused after a reconnect (the organization turned restrictive, or this admin became
          // an agent): who I am changed; the new role/policy picks the feed channels again.
          feed.on("unsubscribed", (ctx) => {
            if (lostAccess(ctx.code)) void qc.invalidateQueries({ queryKey: keys.me() });
          });
          feed.subscribe();
        }
        c.connect();
        setClient(c);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setState("disconnected");
        if (!authError(err)) rebuildLater(); // server restarting: try again (401: the login takes over)
      });
    return () => {
      cancelled = true;
      clearTimeout(retry);
      c?.disconnect();
      setClient(null);
      setState("connecting"); // what the next run (new org, user or attempt) starts as
    };
  }, [enabled, orgId, meId, restricted, qc, emit, attempt]);

  // Coming back online: don't wait for the SDK's backoff.
  useEffect(() => {
    const onOnline = () => {
      // A new client rather than connect(): a stopped client would retry the token it stopped on.
      if (!client || client.state === State.Disconnected) setAttempt((a) => a + 1);
    };
    window.addEventListener("online", onOnline);
    return () => window.removeEventListener("online", onOnline);
  }, [client]);

  // "Reconectar": a new client, so the connection and subscription tokens are fetched afresh
  // (reusing a token the server refused would be refused again).
  const reconnect = useCallback(() => {
    failures.current = 0;
    setAttempt((a) => a + 1);
  }, []);

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
    // The server unsubscribed us (the conversation is no longer visible to this user) or refused
    // the channel's token: the open chat says so instead of silently going stale.
    sub.on("unsubscribed", (ctx) => {
      if (lostAccess(ctx.code)) qc.setQueryData(keys.revoked(conversationId), true);
    });
    sub.on("subscribed", () => {
      if (qc.getQueryData(keys.revoked(conversationId))) qc.setQueryData(keys.revoked(conversationId), false);
    });
    sub.subscribe();
    return () => {
      sub.unsubscribe();
      client.removeSubscription(sub);
    };
  }, [client, conversationId, qc, meId, emit]);
}
