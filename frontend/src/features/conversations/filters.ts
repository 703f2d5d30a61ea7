import type { ConversationFilters, TicketStatus } from "../../api/types";

export type ListTab = "all" | "unread" | "mine" | "waiting" | "unassigned";
/** The status select: a ticket status, or SNOOZED ("Adiadas": the snoozed conversations). */
export type StatusChoice = TicketStatus | "SNOOZED" | "";
export interface ListUiState {
  tab: ListTab;
  status: StatusChoice;
  q: string;
  /** The current ticket's source ("" or absent: any). */
  source?: string;
  /** The current ticket's campaign, typed (exact match; "" or absent: any). */
  campaign?: string;
}

export function filtersFromUi(ui: ListUiState, instanceId: string | null): ConversationFilters {
  return {
    instanceId: instanceId ?? undefined,
    unread: ui.tab === "unread" || undefined,
    assigned: ui.tab === "mine" ? "me" : ui.tab === "unassigned" ? "unassigned" : undefined,
    order: ui.tab === "waiting" ? "waiting" : undefined,
    ticketStatus: ui.status && ui.status !== "SNOOZED" ? ui.status : undefined,
    snoozed: ui.status === "SNOOZED" || undefined,
    q: ui.q.trim() || undefined,
    source: ui.source || undefined,
    campaign: ui.campaign?.trim() || undefined,
  };
}
