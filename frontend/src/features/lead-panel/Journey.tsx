import type { Ticket } from "../../api/types";
import { useFormat } from "../../i18n/format";
import { useT, type MessageKey } from "../../i18n/i18n";
import { TicketChip } from "../chat/TicketChip";
import { sourceLabel } from "../chat/ticketLabel";

const OUTCOMES = new Set(["sale", "lost_price", "lost_timing", "no_response", "other"]);

/** Every ticket of the lead, oldest first: the path to (or away from) a sale. */
export function Journey({ tickets, currentTicketId }: { tickets: Ticket[]; currentTicketId: string | null }) {
  const t = useT();
  const f = useFormat();
  if (tickets.length === 0) return <p className="muted">{t("lead.noTickets")}</p>;
  return (
    <ol className="journey" data-testid="lead-journey">
      {tickets.map((tk) => {
        // the ad's headline (what the lead saw), not its raw id or slug
        const origin = [sourceLabel(tk.source, t), tk.campaign, tk.adHeadline ? `“${tk.adHeadline}”` : null].filter(Boolean).join(" · ");
        const outcome = tk.outcome
          ? OUTCOMES.has(tk.outcome)
            ? t(`ticket.outcome.${tk.outcome}` as MessageKey)
            : tk.outcome
          : null;
        return (
          <li key={tk.id} className={`journey-item${tk.id === currentTicketId ? " current" : ""}${tk.outcome === "sale" ? " sale" : ""}`} data-testid="journey-ticket">
            <div className="journey-head">
              <strong>{t("ticket.label", { number: tk.number })}</strong>
              <TicketChip status={tk.status} small />
            </div>
            {origin && <div className="journey-origin">{origin}</div>}
            {tk.touches.map((touch) => (
              <div key={touch.at} className="journey-touch muted small" data-testid="journey-touch">
                {t("ad.touch", {
                  origin: [sourceLabel(touch.source, t), touch.campaign, touch.adHeadline ? `“${touch.adHeadline}”` : null].filter(Boolean).join(" · "),
                  date: f.dateTime(touch.at),
                })}
              </div>
            ))}
            <div className="muted small">
              {t("lead.opened", { date: f.dateTime(tk.createdAt) })}
              {tk.resolvedAt && <> · {t("lead.resolved", { date: f.dateTime(tk.resolvedAt) })}</>}
            </div>
            {outcome && (
              <div className="journey-outcome">
                {t("ticket.outcome")}: <strong>{outcome}</strong>
                {tk.outcomeReason && <> — {tk.outcomeReason}</>}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
