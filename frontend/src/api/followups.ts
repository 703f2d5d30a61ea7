// Follow-up sequences, a ticket's follow-up and scheduled messages (issue 10).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import type { components } from "./schema";

export type Sequence = components["schemas"]["SequenceRead"];
export type Scheduled = components["schemas"]["ScheduledRead"];
export type FollowUp = components["schemas"]["FollowUpRead"];
export type StepMedia = components["schemas"]["StepMedia"];
export interface StepIn {
  delayMinutes: number;
  content: string;
  media?: { ref: string; name: string | null; mime: string } | null;
}

/** POST /follow-up-sequences/media: a step's file, stored now; the step then names it by `ref`. */
export function uploadStepMedia(file: File): Promise<StepMedia> {
  const form = new FormData();
  form.append("file", file, file.name);
  return api<StepMedia>("/follow-up-sequences/media", { form });
}

export const followUpKeys = {
  sequences: (archived: boolean) => ["follow-up-sequences", { archived }] as const,
  allSequences: ["follow-up-sequences"] as const,
  followUp: (ticketId: string) => ["follow-up", ticketId] as const,
  scheduled: (conversationId: string) => ["scheduled-messages", conversationId] as const,
};

/** GET /follow-up-sequences (archived ones too when asked). */
export function useSequences(archived = false, enabled = true) {
  return useQuery({
    queryKey: followUpKeys.sequences(archived),
    queryFn: ({ signal }) =>
      api<{ items: Sequence[] }>(`/follow-up-sequences${archived ? "?archived=true" : ""}`, { signal }).then((r) => r.items),
    staleTime: 30_000,
    enabled,
  });
}

function useSequenceMutation<V, R>(call: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: call, onSuccess: () => qc.invalidateQueries({ queryKey: followUpKeys.allSequences }) });
}

export function useCreateSequence() {
  return useSequenceMutation((v: { name: string; steps: StepIn[]; finalWaitMinutes: number }) =>
    api<Sequence>("/follow-up-sequences", { json: v }),
  );
}

export function useUpdateSequence() {
  return useSequenceMutation(
    (v: { id: string; name?: string; steps?: StepIn[]; finalWaitMinutes?: number; archived?: boolean }) => {
      const { id, ...body } = v;
      return api<Sequence>(`/follow-up-sequences/${id}`, { method: "PATCH", json: body });
    },
  );
}

export function useDeleteSequence() {
  return useSequenceMutation((id: string) => api<unknown>(`/follow-up-sequences/${id}`, { method: "DELETE" }));
}

/** GET /scheduled-messages?conversationId=: every row of the conversation, by due time. */
export function useScheduled(conversationId: string | undefined) {
  return useQuery({
    queryKey: followUpKeys.scheduled(conversationId ?? ""),
    queryFn: ({ signal }) =>
      api<{ items: Scheduled[] }>(`/scheduled-messages?conversationId=${conversationId}`, { signal }).then((r) => r.items),
    enabled: !!conversationId,
  });
}

function useScheduledMutation<V extends { conversationId: string }, R>(call: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (_r, v) => qc.invalidateQueries({ queryKey: followUpKeys.scheduled(v.conversationId) }),
  });
}

export function useStartFollowUp() {
  return useScheduledMutation((v: { conversationId: string; ticketId: string; sequenceId: string }) =>
    api<FollowUp>(`/tickets/${v.ticketId}/follow-up`, { json: { sequenceId: v.sequenceId } }),
  );
}

export function useStopFollowUp() {
  return useScheduledMutation((v: { conversationId: string; ticketId: string }) =>
    api<unknown>(`/tickets/${v.ticketId}/follow-up`, { method: "DELETE" }),
  );
}

/** POST /scheduled-messages: JSON for text; multipart with a file (`content` is then its caption). */
export function useSchedule() {
  return useScheduledMutation((v: { conversationId: string; content: string; sendAt: string; file?: File | null }) => {
    const { file, ...body } = v;
    if (!file) return api<Scheduled>("/scheduled-messages", { json: body });
    const form = new FormData();
    form.append("conversationId", body.conversationId);
    form.append("sendAt", body.sendAt);
    if (body.content) form.append("caption", body.content);
    form.append("file", file, file.name);
    return api<Scheduled>("/scheduled-messages", { form });
  });
}

export function useUpdateScheduled() {
  return useScheduledMutation((v: { conversationId: string; id: string; content?: string; sendAt?: string }) => {
    const { id, conversationId: _c, ...body } = v;
    return api<Scheduled>(`/scheduled-messages/${id}`, { method: "PATCH", json: body });
  });
}

export function useCancelScheduled() {
  return useScheduledMutation((v: { conversationId: string; id: string }) =>
    api<unknown>(`/scheduled-messages/${v.id}`, { method: "DELETE" }),
  );
}
