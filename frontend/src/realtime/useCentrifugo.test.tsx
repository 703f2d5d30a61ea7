import { QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newQueryClient } from "../test/fixtures";

type Handler = (ctx: Record<string, unknown>) => void;

// A stand-in for centrifuge-js: records how each client was built and lets a test fire its events.
const built: FakeCentrifuge[] = [];
class FakeSubscription {
  handlers = new Map<string, Handler[]>();
  constructor(public channel: string) {}
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
    return this;
  }
  fire(event: string, ctx: Record<string, unknown>) {
    for (const h of this.handlers.get(event) ?? []) h(ctx);
  }
  subscribe() {}
  unsubscribe() {}
}
class FakeCentrifuge {
  handlers = new Map<string, Handler[]>();
  subs = new Map<string, FakeSubscription>();
  state = "connecting";
  disconnected = false;
  constructor(
    public url: string,
    public options: { token?: string; getToken: () => Promise<string>; maxReconnectDelay?: number },
  ) {
    built.push(this);
  }
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
    return this;
  }
  fire(event: string, ctx: Record<string, unknown>) {
    for (const h of this.handlers.get(event) ?? []) h(ctx);
  }
  getSubscription(channel: string) {
    return this.subs.get(channel) ?? null;
  }
  newSubscription(channel: string) {
    const s = new FakeSubscription(channel);
    this.subs.set(channel, s);
    return s;
  }
  removeSubscription() {}
  connect() {}
  disconnect() {
    this.disconnected = true;
  }
}

function client(i: number): FakeCentrifuge {
  const c = built[i];
  if (!c) throw new Error(`no client #${i}`);
  return c;
}

vi.mock("centrifuge", () => ({
  Centrifuge: FakeCentrifuge,
  State: { Disconnected: "disconnected", Connecting: "connecting", Connected: "connected" },
  UnauthorizedError: class UnauthorizedError extends Error {},
}));

let tokens = 0;
vi.mock("../api/realtime", () => ({
  fetchConnectionToken: vi.fn(() => Promise.resolve({ token: `token-${++tokens}`, url: "/connection/websocket" })),
  fetchSubscriptionToken: vi.fn((channel: string) => Promise.resolve(`sub-${channel}`)),
}));

const { useCentrifugo, useConversationSubscription, rebuildDelay } = await import("./useCentrifugo");
const { keys } = await import("../api/keys");

function setup() {
  const qc = newQueryClient();
  const invalidate = vi.spyOn(qc, "invalidateQueries");
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
  const hook = renderHook(() => useCentrifugo({ orgId: "org-1", meId: "me-1" }), { wrapper });
  return { hook, invalidate };
}

beforeEach(() => {
  built.length = 0;
  tokens = 0;
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("useCentrifugo", () => {
  it("gives the SDK a getToken, not a fixed token: a refresh or a 3014 gets a fresh one", async () => {
    setup();
    await waitFor(() => expect(built).toHaveLength(1));
    const { options } = client(0);
    expect(options.token).toBeUndefined();
    expect(options.maxReconnectDelay).toBeLessThanOrEqual(5000);
    expect(await options.getToken()).toBe("token-1"); // the one fetched with the URL, once
    expect(await options.getToken()).toBe("token-2");
    expect(await options.getToken()).toBe("token-3");
  });

  it("Reconectar builds a new client, so every token is fetched afresh", async () => {
    const { hook } = setup();
    await waitFor(() => expect(built).toHaveLength(1));
    act(() => hook.result.current.reconnect());
    await waitFor(() => expect(built).toHaveLength(2));
    expect(client(0).disconnected).toBe(true);
    expect(await client(1).options.getToken()).toBe("token-2");
  });

  it("a token the server calls invalid (3500) rebuilds the client after a backoff", async () => {
    setup();
    await waitFor(() => expect(built).toHaveLength(1));
    vi.useFakeTimers();
    act(() => client(0).fire("disconnected", { code: 3500, reason: "invalid token" }));
    expect(built).toHaveLength(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(rebuildDelay(0));
    });
    vi.useRealTimers();
    await waitFor(() => expect(built).toHaveLength(2));
  });

  it("other terminal disconnects do not loop", async () => {
    setup();
    await waitFor(() => expect(built).toHaveLength(1));
    vi.useFakeTimers();
    act(() => client(0).fire("disconnected", { code: 3503, reason: "force disconnect" }));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_000);
    });
    expect(built).toHaveLength(1);
  });

  it("a resubscribe that did not recover refetches the lists; a recovered one does not", async () => {
    const { invalidate } = setup();
    await waitFor(() => expect(built).toHaveLength(1));
    const org = client(0).subs.get("chat:org:org-1");
    if (!org) throw new Error("no org subscription");
    invalidate.mockClear();
    org.fire("subscribed", { channel: "chat:org:org-1", recovered: true, wasRecovering: true });
    expect(invalidate).not.toHaveBeenCalled();
    org.fire("subscribed", { channel: "chat:org:org-1", recovered: false, wasRecovering: true });
    expect(invalidate).toHaveBeenCalled();
  });

  it("an open chat the server unsubscribes (2000) or refuses (unauthorized) says access is gone; leaving it does not", async () => {
    const qc = newQueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
    const hook = renderHook(
      ({ id }: { id: string }) => {
        const handle = useCentrifugo({ orgId: "org-1", meId: "me-1" });
        useConversationSubscription(handle, id);
        return handle;
      },
      { wrapper, initialProps: { id: "c-1" } },
    );
    await waitFor(() => expect(client(0).subs.get("chat:conversation:c-1")).toBeDefined());
    const chat = client(0).subs.get("chat:conversation:c-1");
    chat?.fire("unsubscribed", { channel: "chat:conversation:c-1", code: 0, reason: "unsubscribe called" });
    expect(qc.getQueryData(keys.revoked("c-1"))).toBeUndefined();
    chat?.fire("unsubscribed", { channel: "chat:conversation:c-1", code: 2000, reason: "server unsubscribe" });
    expect(qc.getQueryData(keys.revoked("c-1"))).toBe(true);
    chat?.fire("subscribed", { channel: "chat:conversation:c-1", recovered: false }); // given back later
    expect(qc.getQueryData(keys.revoked("c-1"))).toBe(false);
    chat?.fire("unsubscribed", { channel: "chat:conversation:c-1", code: 2000, reason: "server unsubscribe" });
    hook.rerender({ id: "c-2" });
    await waitFor(() => expect(client(0).subs.get("chat:conversation:c-2")).toBeDefined());
    client(0).subs.get("chat:conversation:c-2")?.fire("unsubscribed", { code: 1, reason: "unauthorized" });
    expect(qc.getQueryData(keys.revoked("c-2"))).toBe(true);
  });

  it("a feed channel refused after a reconnect refetches who I am (role or policy changed)", async () => {
    const { invalidate } = setup();
    await waitFor(() => expect(built).toHaveLength(1));
    const org = client(0).subs.get("chat:org:org-1");
    invalidate.mockClear();
    org?.fire("unsubscribed", { code: 0, reason: "unsubscribe called" });
    expect(invalidate).not.toHaveBeenCalled();
    org?.fire("unsubscribed", { code: 1, reason: "unauthorized" });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: keys.me() });
  });

  it("a connection the server dropped because access changed (3014) refetches who I am; other reconnects do not", async () => {
    const { invalidate } = setup();
    await waitFor(() => expect(built).toHaveLength(1));
    invalidate.mockClear();
    client(0).fire("connecting", { code: 3005, reason: "force reconnect" });
    expect(invalidate).not.toHaveBeenCalled();
    client(0).fire("connecting", { code: 3014, reason: "session ended" });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: keys.me() });
  });

  it("backoff: 1 s doubling up to 30 s", () => {
    expect([0, 1, 2, 5, 9].map(rebuildDelay)).toEqual([1000, 2000, 4000, 30_000, 30_000]);
  });
});
