import { QueryObserver } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "../api/keys";
import type { ConversationFilters, Instance } from "../api/types";
import { makeConversation, makeInstance, makeMessage, newQueryClient } from "../test/fixtures";
import { applyEvent, isChatEvent, TYPING_TTL_MS, type TypingState } from "./applyEvent";
import { flattenConversations, flattenMessages, type ConversationsData, type MessagesData } from "./cacheOps";

const ctx = { meId: "u1" };

function seedMessages(qc: ReturnType<typeof newQueryClient>, pages: MessagesData["pages"]) {
  qc.setQueryData<MessagesData>(keys.messages.list("c1"), { pages, pageParams: pages.map((_, i) => (i ? `p${i}` : null)) });
}
const messages = (qc: ReturnType<typeof newQueryClient>) =>
  flattenMessages(qc.getQueryData<MessagesData>(keys.messages.list("c1")));

describe("new_message", () => {
  it("appends the newest message at the bottom", () => {
    const qc = newQueryClient();
    seedMessages(qc, [
      { items: [makeMessage({ id: "m2", createdAt: "2024-03-12T12:01:00Z" })], nextCursor: "x" },
      { items: [makeMessage({ id: "m1" })], nextCursor: null },
    ]);
    applyEvent(qc, { type: "new_message", data: makeMessage({ id: "m3", createdAt: "2024-03-12T12:02:00Z" }) }, ctx);
    expect(messages(qc).map((m) => m.id)).toEqual(["m1", "m2", "m3"]);
  });

  it("is idempotent: the same message from two channels shows once", () => {
    const qc = newQueryClient();
    seedMessages(qc, [{ items: [], nextCursor: null }]);
    const m = makeMessage({ id: "m9" });
    applyEvent(qc, { type: "new_message", data: m }, ctx);
    applyEvent(qc, { type: "new_message", data: m }, ctx);
    expect(messages(qc)).toHaveLength(1);
  });

  it("replaces an optimistic bubble with the same clientId instead of duplicating it", () => {
    const qc = newQueryClient();
    const optimistic = makeMessage({ id: "local:abc", clientId: "abc", senderType: "USER", status: "PENDING", content: "oi" });
    seedMessages(qc, [{ items: [optimistic, makeMessage({ id: "m1" })], nextCursor: null }]);
    const server = { ...optimistic, id: "srv-1", status: "SENT" as const, ticketId: "t1" };
    applyEvent(qc, { type: "new_message", data: server }, ctx);
    const list = messages(qc);
    expect(list).toHaveLength(2);
    expect(list[1]).toMatchObject({ id: "srv-1", clientId: "abc", status: "SENT" });
  });

  it("does not create a cache for a conversation that was never opened", () => {
    const qc = newQueryClient();
    applyEvent(qc, { type: "new_message", data: makeMessage({ conversationId: "other" }) }, ctx);
    expect(qc.getQueryData(keys.messages.list("other"))).toBeUndefined();
  });

  it("a lead message ends that lead's typing indicator", () => {
    const qc = newQueryClient();
    applyEvent(qc, { type: "typing", data: { conversationId: "c1", isTyping: true, senderType: "LEAD", userId: null, userName: null } }, ctx);
    applyEvent(qc, { type: "new_message", data: makeMessage() }, ctx);
    expect(qc.getQueryData(keys.typing("c1"))).toBeNull();
  });
});

describe("message_status", () => {
  it("updates the status, externalId and error of the message", () => {
    const qc = newQueryClient();
    seedMessages(qc, [{ items: [makeMessage({ id: "m1", senderType: "USER", status: "SENT" })], nextCursor: null }]);
    applyEvent(qc, { type: "message_status", data: { messageId: "m1", conversationId: "c1", status: "READ", externalId: "wa-1", error: null } }, ctx);
    expect(messages(qc)[0]).toMatchObject({ status: "READ", externalId: "wa-1" });
  });

  it("never moves a receipt backwards (READ stays READ)", () => {
    const qc = newQueryClient();
    seedMessages(qc, [{ items: [makeMessage({ id: "m1", senderType: "USER", status: "READ" })], nextCursor: null }]);
    applyEvent(qc, { type: "message_status", data: { messageId: "m1", conversationId: "c1", status: "DELIVERED", externalId: null, error: null } }, ctx);
    expect(messages(qc)[0]!.status).toBe("READ");
  });

  it("marks FAILED with the reason", () => {
    const qc = newQueryClient();
    seedMessages(qc, [{ items: [makeMessage({ id: "m1", senderType: "USER", status: "PENDING" })], nextCursor: null }]);
    applyEvent(qc, { type: "message_status", data: { messageId: "m1", conversationId: "c1", status: "FAILED", externalId: null, error: "not on WhatsApp" } }, ctx);
    expect(messages(qc)[0]).toMatchObject({ status: "FAILED", error: "not on WhatsApp" });
  });

  it("finds the message in an older page", () => {
    const qc = newQueryClient();
    seedMessages(qc, [
      { items: [makeMessage({ id: "m2" })], nextCursor: "x" },
      { items: [makeMessage({ id: "m1", senderType: "USER", status: "SENT" })], nextCursor: null },
    ]);
    applyEvent(qc, { type: "message_status", data: { messageId: "m1", conversationId: "c1", status: "DELIVERED", externalId: null, error: null } }, ctx);
    expect(messages(qc)[0]!.status).toBe("DELIVERED");
  });
});

describe("conversation_updated", () => {
  const all: ConversationFilters = {};
  const seed = (qc: ReturnType<typeof newQueryClient>, filters: ConversationFilters, ids: string[], nextCursor: string | null = null) =>
    qc.setQueryData<ConversationsData>(keys.conversations.list(filters), {
      pages: [
        {
          items: ids.map((id, i) => makeConversation({ id, lastMessageAt: `2024-03-12T1${9 - i}:00:00Z` })),
          nextCursor,
        },
      ],
      pageParams: [null],
    });
  const ids = (qc: ReturnType<typeof newQueryClient>, filters: ConversationFilters) =>
    flattenConversations(qc.getQueryData<ConversationsData>(keys.conversations.list(filters))).map((c) => c.id);

  it("moves a conversation with a new message to the top", () => {
    const qc = newQueryClient();
    seed(qc, all, ["a", "b", "c"]);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "c", lastMessageAt: "2024-03-12T20:00:00Z", unreadCount: 2 }) }, ctx);
    expect(ids(qc, all)).toEqual(["c", "a", "b"]);
  });

  it("inserts a new conversation and updates the detail cache", () => {
    const qc = newQueryClient();
    seed(qc, all, ["a"]);
    const conv = makeConversation({ id: "new", lastMessageAt: "2024-03-12T21:00:00Z" });
    applyEvent(qc, { type: "conversation_updated", data: conv }, ctx);
    expect(ids(qc, all)).toEqual(["new", "a"]);
    expect(qc.getQueryData(keys.conversations.detail("new"))).toEqual(conv);
  });

  it("keeps the position when the activity time did not change", () => {
    const qc = newQueryClient();
    seed(qc, all, ["a", "b", "c"]);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "b", lastMessageAt: "2024-03-12T18:00:00Z", assignee: { id: "u2", name: "Bia" } }) }, ctx);
    expect(ids(qc, all)).toEqual(["a", "b", "c"]);
  });

  it("respects each cached list's filters", () => {
    const qc = newQueryClient();
    const unread: ConversationFilters = { unread: true };
    const resolved: ConversationFilters = { ticketStatus: "RESOLVED" };
    seed(qc, unread, ["a"]);
    seed(qc, resolved, []);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "a", unreadCount: 0 }) }, ctx);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "z", unreadCount: 1, lastMessageAt: "2024-03-13T10:00:00Z" }) }, ctx);
    expect(ids(qc, unread)).toEqual(["z"]);
    expect(ids(qc, resolved)).toEqual([]);
  });

  it("'Minhas' follows assignment to the current user", () => {
    const qc = newQueryClient();
    const mine: ConversationFilters = { assigned: "me" };
    seed(qc, mine, []);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "x", assignee: { id: "u1", name: "Ana" } }) }, ctx);
    expect(ids(qc, mine)).toEqual(["x"]);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "x", assignee: { id: "u2", name: "Bia" } }) }, ctx);
    expect(ids(qc, mine)).toEqual([]);
  });

  it("does not append past the loaded pages when more pages exist", () => {
    const qc = newQueryClient();
    seed(qc, all, ["a", "b"], "cursor-2");
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "old", lastMessageAt: "2020-01-01T00:00:00Z" }) }, ctx);
    expect(ids(qc, all)).toEqual(["a", "b"]);
  });

  it("search lists only update rows they already show", () => {
    const qc = newQueryClient();
    const search: ConversationFilters = { q: "joão" };
    seed(qc, search, ["a"]);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "b", lastMessageAt: "2024-03-13T00:00:00Z" }) }, ctx);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ id: "a", unreadCount: 5 }) }, ctx);
    expect(ids(qc, search)).toEqual(["a"]);
    expect(flattenConversations(qc.getQueryData(keys.conversations.list(search)))[0]!.unreadCount).toBe(5);
  });
});

describe("typing", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sets the typing state and clears it on isTyping=false", () => {
    const qc = newQueryClient();
    applyEvent(qc, { type: "typing", data: { conversationId: "c1", isTyping: true, senderType: "LEAD", userId: null, userName: null } }, ctx);
    expect(qc.getQueryData<TypingState>(keys.typing("c1"))).toMatchObject({ isTyping: true, senderType: "LEAD" });
    applyEvent(qc, { type: "typing", data: { conversationId: "c1", isTyping: false, senderType: "LEAD", userId: null, userName: null } }, ctx);
    expect(qc.getQueryData(keys.typing("c1"))).toBeNull();
  });

  it("expires on its own when the stop event never comes", () => {
    const qc = newQueryClient();
    applyEvent(qc, { type: "typing", data: { conversationId: "c1", isTyping: true, senderType: "LEAD", userId: null, userName: null } }, ctx);
    vi.advanceTimersByTime(TYPING_TTL_MS + 10);
    expect(qc.getQueryData(keys.typing("c1"))).toBeNull();
  });

  it("ignores our own typing echo", () => {
    const qc = newQueryClient();
    applyEvent(qc, { type: "typing", data: { conversationId: "c1", isTyping: true, senderType: "USER", userId: "u1", userName: "Ana" } }, ctx);
    expect(qc.getQueryData(keys.typing("c1"))).toBeUndefined();
  });
});

describe("instance_updated", () => {
  const instances = (qc: ReturnType<typeof newQueryClient>) => qc.getQueryData<Instance[]>(keys.instances());

  it("updates the status (and phone) of that instance in the instances query", () => {
    const qc = newQueryClient();
    const other = makeInstance({ id: "i2", name: "Suporte" });
    qc.setQueryData(keys.instances(), [makeInstance({ status: "qr", phone: null }), other]);
    applyEvent(qc, { type: "instance_updated", data: { id: "i1", status: "connected", phone: "5511988887777" } }, ctx);
    expect(instances(qc)![0]).toMatchObject({ id: "i1", status: "connected", phone: "5511988887777", name: "Vendas" });
    expect(instances(qc)![1]).toBe(other); // untouched rows keep their identity
    applyEvent(qc, { type: "instance_updated", data: { id: "i1", status: "disconnected", phone: null } }, ctx);
    expect(instances(qc)![0]).toMatchObject({ status: "disconnected", phone: "5511988887777" }); // a null phone keeps the known one
  });

  it("keeps the same array when nothing changed (no re-render)", () => {
    const qc = newQueryClient();
    const list = [makeInstance()];
    qc.setQueryData(keys.instances(), list);
    applyEvent(qc, { type: "instance_updated", data: { id: "i1", status: "connected", phone: "5511999990000" } }, ctx);
    expect(instances(qc)).toBe(list);
    expect(qc.getQueryState(keys.instances())!.isInvalidated).toBe(false);
  });

  it("refetches the list for an instance it does not know (added elsewhere)", () => {
    const qc = newQueryClient();
    qc.setQueryData(keys.instances(), [makeInstance()]);
    applyEvent(qc, { type: "instance_updated", data: { id: "new", status: "qr", phone: null } }, ctx);
    expect(instances(qc)).toHaveLength(1);
    expect(qc.getQueryState(keys.instances())!.isInvalidated).toBe(true);
  });

  it("does not create the instances cache when it was never loaded", () => {
    const qc = newQueryClient();
    applyEvent(qc, { type: "instance_updated", data: { id: "i1", status: "connected", phone: null } }, ctx);
    expect(qc.getQueryData(keys.instances())).toBeUndefined();
  });
});

describe("isChatEvent", () => {
  it("accepts the known event types and rejects anything else", () => {
    expect(isChatEvent({ type: "typing", data: {} })).toBe(true);
    expect(isChatEvent({ type: "instance_updated", data: { id: "i1", status: "connected", phone: null } })).toBe(true);
    expect(isChatEvent({ type: "bogus", data: {} })).toBe(false);
    expect(isChatEvent("new_message")).toBe(false);
    expect(isChatEvent({ type: "new_message" })).toBe(false);
  });
});

describe("conversation_updated and the lead journey", () => {
  it("refetches the lead when the ticket changes", () => {
    const qc = newQueryClient();
    qc.setQueryData(keys.conversations.detail("c1"), makeConversation());
    qc.setQueryData(keys.leads.detail("l1"), { id: "l1", tickets: [] });
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ unreadCount: 3 }) }, ctx);
    expect(qc.getQueryState(keys.leads.detail("l1"))!.isInvalidated).toBe(false);
    applyEvent(qc, { type: "conversation_updated", data: makeConversation({ ticketStatus: "RESOLVED" }) }, ctx);
    expect(qc.getQueryState(keys.leads.detail("l1"))!.isInvalidated).toBe(true);
  });
});

describe("after a gap without recovery", () => {
  it("invalidates everything the channel covers, however recently it was fetched", async () => {
    const { invalidateAfterGap } = await import("./applyEvent");
    const qc = newQueryClient();
    // fetched "just now": its snapshot may still predate a publication that was never delivered
    qc.setQueryData(keys.conversations.list({}), { pages: [], pageParams: [] });
    qc.setQueryData(keys.messages.list("c1"), { pages: [], pageParams: [] });
    qc.setQueryData(keys.messages.list("c2"), { pages: [], pageParams: [] });
    invalidateAfterGap(qc, "chat:conversation:c1");
    expect(qc.getQueryState(keys.messages.list("c1"))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.messages.list("c2"))!.isInvalidated).toBe(false); // another conversation
    expect(qc.getQueryState(keys.conversations.list({}))!.isInvalidated).toBe(false);
    qc.setQueryData(keys.instances(), [makeInstance()]);
    invalidateAfterGap(qc, "chat:org:o1");
    expect(qc.getQueryState(keys.conversations.list({}))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.messages.list("c2"))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.instances())!.isInvalidated).toBe(true); // instance_updated may have been missed
  });
});

describe("message_updated", () => {
  it("replaces the message in place: edit, delete for everyone, reactions", () => {
    const qc = newQueryClient();
    const original = makeMessage({ id: "m1", content: "Quanto custa?" });
    seedMessages(qc, [{ items: [original], nextCursor: null }]);
    const edited = { ...original, content: "Quanto custa o anual?", edited: true, reactions: [{ emoji: "👍", fromMe: false }] };
    expect(isChatEvent({ type: "message_updated", data: edited })).toBe(true);
    applyEvent(qc, { type: "message_updated", data: edited }, ctx);
    expect(messages(qc)).toHaveLength(1);
    expect(messages(qc)[0]).toMatchObject({ content: "Quanto custa o anual?", edited: true, reactions: [{ emoji: "👍" }] });
  });
});

describe("an event that arrives while the list is being fetched", () => {
  it("restarts the fetch, so an answer read before the event cannot drop it", async () => {
    const qc = newQueryClient();
    let calls = 0;
    const snapshots: MessagesData[] = [
      { pages: [{ items: [makeMessage({ id: "m1" })], nextCursor: null }], pageParams: [null] }, // read before m2
      {
        pages: [{ items: [makeMessage({ id: "m2", createdAt: "2024-03-12T12:05:00Z" }), makeMessage({ id: "m1" })], nextCursor: null }],
        pageParams: [null],
      },
    ];
    const queryFn = () =>
      new Promise<MessagesData>((resolve) => {
        const answer = snapshots[Math.min(calls++, 1)]!;
        setTimeout(() => resolve(answer), 20);
      });
    // an open chat: the query has an observer, like the mounted message list
    const observer = new QueryObserver(qc, { queryKey: keys.messages.list("c1"), queryFn });
    const unsubscribe = observer.subscribe(() => undefined);
    await vi.waitFor(() => expect(qc.getQueryState(keys.messages.list("c1"))?.fetchStatus).toBe("fetching"));
    applyEvent(qc, { type: "new_message", data: makeMessage({ id: "m2", createdAt: "2024-03-12T12:05:00Z" }) }, ctx);
    await vi.waitFor(() => expect(calls).toBe(2));
    await vi.waitFor(() => expect(qc.getQueryState(keys.messages.list("c1"))?.fetchStatus).toBe("idle"));
    expect(messages(qc).map((m) => m.id).sort()).toEqual(["m1", "m2"]);
    unsubscribe();
  });

  it("with data already shown, the running refetch is restarted and the update stays visible", async () => {
    const qc = newQueryClient();
    seedMessages(qc, [{ items: [makeMessage({ id: "m1" })], nextCursor: null }]);
    let calls = 0;
    const stale: MessagesData = { pages: [{ items: [makeMessage({ id: "m1" })], nextCursor: null }], pageParams: [null] };
    const fresh: MessagesData = {
      pages: [{ items: [makeMessage({ id: "m2", createdAt: "2024-03-12T12:05:00Z" }), makeMessage({ id: "m1" })], nextCursor: null }],
      pageParams: [null],
    };
    const queryFn = () =>
      new Promise<MessagesData>((resolve) => {
        const answer = calls++ === 0 ? stale : fresh;
        setTimeout(() => resolve(answer), 20);
      });
    const observer = new QueryObserver(qc, { queryKey: keys.messages.list("c1"), queryFn, staleTime: Infinity });
    const unsubscribe = observer.subscribe(() => undefined);
    void observer.refetch();
    await vi.waitFor(() => expect(qc.getQueryState(keys.messages.list("c1"))?.fetchStatus).toBe("fetching"));
    applyEvent(qc, { type: "new_message", data: makeMessage({ id: "m2", createdAt: "2024-03-12T12:05:00Z" }) }, ctx);
    expect(messages(qc).map((m) => m.id)).toEqual(["m1", "m2"]); // shown at once
    await vi.waitFor(() => expect(calls).toBe(2));
    await vi.waitFor(() => expect(qc.getQueryState(keys.messages.list("c1"))?.fetchStatus).toBe("idle"));
    expect(messages(qc).map((m) => m.id).sort()).toEqual(["m1", "m2"]);
    unsubscribe();
  });
});
