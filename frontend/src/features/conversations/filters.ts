import type { ConversationFilters, TicketStatus } from "../../api/types";

export type ListTab = "all" | "unread" | "mine" | "waiting" | "unassigned";
export interface ListUiState {
  tab: ListTab;
  status: TicketStatus | "";
  q: string;
}

export function filtersFromUi(ui: ListUiState, instanceId: string | null): ConversationFilters {
  return {
    instanceId: instanceId ?? undefined,
    unread: ui.tab === "unread" || undefined,
    assigned: ui.tab === "mine" ? "me" : ui.tab === "unassigned" ? "unassigned" : undefined,
    order: ui.tab === "waiting" ? "waiting" : undefined,
    ticketStatus: ui.status || undefined,
    q: ui.q.trim() || undefined,
  };
}
