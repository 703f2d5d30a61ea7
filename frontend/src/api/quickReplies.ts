import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import type { components } from "./schema";

export type QuickReply = components["schemas"]["QuickReplyRead"];
export type QuickReplyScope = QuickReply["scope"];

const KEY = ["quick-replies"] as const;

/** GET /quick-replies: the organization's and mine, by shortcut. */
export function useQuickReplies(enabled = true) {
  return useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => api<{ items: QuickReply[] }>("/quick-replies", { signal }).then((r) => r.items),
    staleTime: 60_000,
    enabled,
  });
}

function useQuickReplyMutation<V>(call: (v: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: call, onSuccess: () => qc.invalidateQueries({ queryKey: KEY }) });
}

export function useCreateQuickReply() {
  return useQuickReplyMutation((v: { shortcut: string; content: string; scope: QuickReplyScope }) =>
    api<QuickReply>("/quick-replies", { json: v }),
  );
}

export function useUpdateQuickReply() {
  return useQuickReplyMutation((v: { id: string; shortcut?: string; content?: string }) => {
    const { id, ...body } = v;
    return api<QuickReply>(`/quick-replies/${id}`, { method: "PATCH", json: body });
  });
}

export function useDeleteQuickReply() {
  return useQuickReplyMutation((id: string) => api<unknown>(`/quick-replies/${id}`, { method: "DELETE" }));
}
