import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import { keys } from "./keys";
import { patchConversationEverywhere } from "./conversations";
import type { Lead, Outcome, Ticket } from "./types";

/** GET /leads/{id} (with the ticket journey, oldest first). */
export function useLead(id: string | null | undefined) {
  return useQuery({
    queryKey: keys.leads.detail(id ?? ""),
    queryFn: ({ signal }) => api<Lead>(`/leads/${id}`, { signal }),
    enabled: !!id,
    staleTime: 30_000,
  });
}

/** PATCH /leads/{id} */
export function useUpdateLead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; name?: string; notes?: string }) => {
      const { id, ...body } = v;
      return api<Lead>(`/leads/${id}`, { method: "PATCH", json: body });
    },
    onSuccess: (lead) => {
      qc.setQueryData(keys.leads.detail(lead.id), (old: Lead | undefined) => ({ ...old, ...lead, tickets: lead.tickets ?? old?.tickets ?? [] }));
      if (lead.conversationId) {
        patchConversationEverywhere(qc, lead.conversationId, (c) => ({ ...c, lead: { ...c.lead, name: lead.name } }));
      }
    },
  });
}

function useTicketMutation<V extends { ticketId: string; conversationId: string; leadId: string }>(
  call: (v: V) => Promise<Ticket>,
) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (_t, v) => {
      void qc.invalidateQueries({ queryKey: keys.leads.detail(v.leadId) });
      void qc.invalidateQueries({ queryKey: keys.conversations.detail(v.conversationId) });
      void qc.invalidateQueries({ queryKey: keys.conversations.lists() });
    },
  });
}

/** POST /tickets/{id}/close */
export function useCloseTicket() {
  return useTicketMutation(
    (v: { ticketId: string; conversationId: string; leadId: string; outcome: Outcome; reason?: string; valueCents?: number }) =>
      api<Ticket>(`/tickets/${v.ticketId}/close`, {
        json: { outcome: v.outcome, reason: v.reason || undefined, valueCents: v.valueCents },
      }),
  );
}

/** POST /tickets/{id}/reopen */
export function useReopenTicket() {
  return useTicketMutation((v: { ticketId: string; conversationId: string; leadId: string }) =>
    api<Ticket>(`/tickets/${v.ticketId}/reopen`, { method: "POST" }),
  );
}
