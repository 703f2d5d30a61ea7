import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, NetworkError } from "../../api/client";
import { keys } from "../../api/keys";
import { outbox } from "../../api/outbox";
import type { Message, ServerMessage } from "../../api/types";
import { applyEvent } from "../../realtime/applyEvent";
import { flattenConversations, flattenMessages, type ConversationsData, type MessagesData } from "../../realtime/cacheOps";
import { makeConversation, makeMessage, newQueryClient } from "../../test/fixtures";
import { flushOutbox, MAX_NETWORK_ATTEMPTS, NETWORK_RETRY_MS, retryLocal, sendMessage, type SendDeps } from "./sendFlow";
import type { SendTextBody } from "../../api/messages";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(online = true) {
  const qc = newQueryClient();
  qc.setQueryData<MessagesData>(keys.messages.list("c1"), {
    pages: [{ items: [makeMessage({ id: "m1" })], nextCursor: null }],
    pageParams: [null],
  });
  qc.setQueryData<ConversationsData>(keys.conversations.list({}), {
    pages: [{ items: [makeConversation({ id: "c0", lastMessageAt: "2024-03-12T13:00:00Z" }), makeConversation()], nextCursor: null }],
    pageParams: [null],
  });
  const calls: SendTextBody[] = [];
  let answer = deferred<Message>();
  const state = { online };
  const onError = vi.fn();
  const deps: SendDeps = {
    post: (body) => {
      calls.push(body);
      return answer.promise;
    },
    isOnline: () => state.online,
    uuid: () => "client-1",
    now: () => new Date("2024-03-12T14:00:00Z"),
    onError,
    meId: "u1",
  };
  const list = () => flattenMessages(qc.getQueryData<MessagesData>(keys.messages.list("c1")));
  return {
    qc,
    deps,
    calls,
    state,
    onError,
    list,
    answer: () => answer,
    reset: () => (answer = deferred<Message>()),
  };
}

const input = { conversationId: "c1", content: "Bom dia!", sender: { id: "u1", name: "Ana" } };
const serverCopy = (over: Partial<ServerMessage> = {}) =>
  makeMessage({
    id: "srv-1",
    clientId: "client-1",
    senderType: "USER",
    senderId: "u1",
    content: "Bom dia!",
    status: "SENT",
    createdAt: "2024-03-12T14:00:01Z",
    sentAt: "2024-03-12T14:00:01Z",
    ...over,
  });

beforeEach(() => outbox.clear());
afterEach(() => vi.useRealTimers());

describe("optimistic send", () => {
  it("shows a PENDING bubble at once and moves the conversation to the top", () => {
    const s = setup();
    void sendMessage(s.qc, input, s.deps);
    const last = s.list().at(-1)!;
    expect(last).toMatchObject({ id: "local:client-1", clientId: "client-1", status: "PENDING", content: "Bom dia!" });
    expect(s.calls[0]).toMatchObject({ conversationId: "c1", content: "Bom dia!", clientId: "client-1" });
    const convs = flattenConversations(s.qc.getQueryData(keys.conversations.list({})));
    expect(convs[0]).toMatchObject({ id: "c1", lastMessagePreview: "Bom dia!", lastMessageSenderType: "USER" });
  });

  it("HTTP answer first, then the real-time event: one bubble", async () => {
    const s = setup();
    const done = sendMessage(s.qc, input, s.deps);
    s.answer().resolve(serverCopy());
    await done;
    expect(s.list().filter((m) => m.clientId === "client-1")).toHaveLength(1);
    applyEvent(s.qc, { type: "new_message", data: serverCopy({ status: "PENDING" }) }, { meId: "u1" });
    const mine = s.list().filter((m) => m.clientId === "client-1");
    expect(mine).toHaveLength(1);
    // the late event (published before WhatsApp answered) must not downgrade SENT
    expect(mine[0]).toMatchObject({ id: "srv-1", status: "SENT" });
    expect(s.list()).toHaveLength(2);
    expect(outbox.get("client-1")).toBeUndefined();
  });

  it("real-time event first, then the HTTP answer: one bubble", async () => {
    const s = setup();
    const done = sendMessage(s.qc, input, s.deps);
    applyEvent(s.qc, { type: "new_message", data: serverCopy({ status: "PENDING" }) }, { meId: "u1" });
    let mine = s.list().filter((m) => m.clientId === "client-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).toBe("srv-1");
    applyEvent(s.qc, { type: "message_status", data: { messageId: "srv-1", conversationId: "c1", status: "DELIVERED", externalId: "wa", error: null } }, { meId: "u1" });
    s.answer().resolve(serverCopy({ status: "SENT" }));
    await done;
    mine = s.list().filter((m) => m.clientId === "client-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: "srv-1", status: "DELIVERED" });
    expect(s.list()).toHaveLength(2);
  });

  it("a server error marks the bubble FAILED and reports it", async () => {
    const s = setup();
    const done = sendMessage(s.qc, input, s.deps);
    s.answer().reject(new ApiError(422, "validation_error", "content too long"));
    await done;
    expect(s.list().at(-1)).toMatchObject({ status: "FAILED", error: "content too long" });
    expect(s.onError).toHaveBeenCalledOnce();
  });

  it("retrying a never-saved message re-posts it with the same clientId", async () => {
    const s = setup();
    const done = sendMessage(s.qc, input, s.deps);
    s.answer().reject(new ApiError(500, "internal", "boom"));
    await done;
    s.reset();
    const retry = retryLocal(s.qc, s.list().at(-1)!, s.deps);
    expect(s.list().at(-1)!.status).toBe("PENDING");
    s.answer().resolve(serverCopy());
    await retry;
    expect(s.calls.map((c) => c.clientId)).toEqual(["client-1", "client-1"]);
    expect(s.list().at(-1)).toMatchObject({ id: "srv-1", status: "SENT" });
  });
});

describe("offline", () => {
  it("stays PENDING while offline and is sent when back online", async () => {
    const s = setup(false);
    await sendMessage(s.qc, input, s.deps);
    expect(s.calls).toHaveLength(0);
    expect(s.list().at(-1)!.status).toBe("PENDING");
    s.state.online = true;
    flushOutbox(s.qc, s.deps);
    expect(s.calls).toHaveLength(1);
    s.answer().resolve(serverCopy());
    await Promise.resolve();
    await Promise.resolve();
    expect(s.list().at(-1)).toMatchObject({ id: "srv-1", status: "SENT" });
  });

  it("network errors retry, then give up with FAILED", async () => {
    vi.useFakeTimers();
    const s = setup();
    s.deps.post = (body) => {
      s.calls.push(body);
      return Promise.reject(new NetworkError());
    };
    await sendMessage(s.qc, input, s.deps);
    expect(s.list().at(-1)!.status).toBe("PENDING");
    for (let i = 1; i < MAX_NETWORK_ATTEMPTS; i++) await vi.advanceTimersByTimeAsync(NETWORK_RETRY_MS);
    expect(s.calls).toHaveLength(MAX_NETWORK_ATTEMPTS);
    expect(s.list().at(-1)!.status).toBe("FAILED");
  });

  it("a network error while the browser went offline waits for 'online'", async () => {
    const s = setup();
    s.deps.post = (body) => {
      s.calls.push(body);
      s.state.online = false;
      return Promise.reject(new NetworkError());
    };
    await sendMessage(s.qc, input, s.deps);
    expect(s.list().at(-1)!.status).toBe("PENDING");
    expect(s.calls).toHaveLength(1);
  });
});
