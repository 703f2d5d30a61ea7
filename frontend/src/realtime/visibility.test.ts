import { InfiniteQueryObserver } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { keys } from "../api/keys";
import type { ConversationFilters } from "../api/types";
import { makeConversation, newQueryClient } from "../test/fixtures";
import { applyEvent, isChatEvent } from "./applyEvent";
import { flattenConversations, type ConversationsData } from "./cacheOps";
import { feedChannels } from "./useCentrifugo";

const seed = (qc: ReturnType<typeof newQueryClient>, filters: ConversationFilters, ids: string[]) =>
  qc.setQueryData<ConversationsData>(keys.conversations.list(filters), {
    pages: [{ items: ids.map((id) => makeConversation({ id })), nextCursor: null }],
    pageParams: [null],
  });
const ids = (qc: ReturnType<typeof newQueryClient>, filters: ConversationFilters) =>
  flattenConversations(qc.getQueryData<ConversationsData>(keys.conversations.list(filters))).map((c) => c.id);

describe("conversation_hidden", () => {
  const event = { type: "conversation_hidden", data: { conversationId: "b", assigneeId: "u2" } } as const;

  it("is a chat event", () => {
    expect(isChatEvent(event)).toBe(true);
  });

  it("drops the conversation from every list and flags the open chat", () => {
    const qc = newQueryClient();
    seed(qc, {}, ["a", "b", "c"]);
    seed(qc, { unread: true }, ["b"]);
    applyEvent(qc, event, { meId: "u1" });
    expect(ids(qc, {})).toEqual(["a", "c"]);
    expect(ids(qc, { unread: true })).toEqual([]);
    expect(qc.getQueryData(keys.hidden("b"))).toBe(true);
  });

  it("restarts a list fetch in flight, whose answer read before the reassignment would bring it back", async () => {
    const qc = newQueryClient();
    seed(qc, {}, ["a", "b"]);
    let calls = 0;
    const page = (list: string[]) => ({ items: list.map((id) => makeConversation({ id })), nextCursor: null });
    // the first answer was read before the reassignment committed, the second after it
    const queryFn = () =>
      new Promise<ReturnType<typeof page>>((resolve) => {
        const answer = calls++ === 0 ? page(["a", "b"]) : page(["a"]);
        setTimeout(() => resolve(answer), 20);
      });
    const observer = new InfiniteQueryObserver(qc, {
      queryKey: keys.conversations.list({}),
      queryFn,
      initialPageParam: null,
      getNextPageParam: () => undefined,
      staleTime: Infinity,
    });
    const unsubscribe = observer.subscribe(() => undefined);
    void observer.refetch();
    await vi.waitFor(() => expect(qc.getQueryState(keys.conversations.list({}))?.fetchStatus).toBe("fetching"));
    applyEvent(qc, event, { meId: "u1" });
    expect(ids(qc, {})).toEqual(["a"]); // gone at once
    await vi.waitFor(() => expect(calls).toBe(2));
    await vi.waitFor(() => expect(qc.getQueryState(keys.conversations.list({}))?.fetchStatus).toBe("idle"));
    expect(ids(qc, {})).toEqual(["a"]); // and the stale answer did not bring it back
    unsubscribe();
  });

  it("leaves it to its new assignee", () => {
    const qc = newQueryClient();
    seed(qc, {}, ["a", "b"]);
    applyEvent(qc, event, { meId: "u2" });
    expect(ids(qc, {})).toEqual(["a", "b"]);
    expect(qc.getQueryData(keys.hidden("b"))).toBeUndefined();
  });
});

describe("feedChannels", () => {
  it("is the organization channel unless the agent is restricted", () => {
    expect(feedChannels("o1", "u1", false)).toEqual(["chat:org:o1"]);
    expect(feedChannels("o1", "u1", true)).toEqual(["chat:agents:o1", "chat:user:u1"]);
  });
});
