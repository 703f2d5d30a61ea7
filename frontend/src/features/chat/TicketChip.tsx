import type { TicketStatus } from "../../api/types";
import { useT } from "../../i18n/i18n";

export function TicketChip({ status, small }: { status: TicketStatus; small?: boolean }) {
  const t = useT();
  return (
    <span className={`chip chip-${status.toLowerCase()}${small ? " chip-small" : ""}`} data-testid="ticket-status" data-status={status}>
      {t(`ticket.${status}`)}
    </span>
  );
}
