import { useState, type FormEvent } from "react";
import { useCloseTicket } from "../../api/leads";
import type { Conversation, Outcome } from "../../api/types";
import { Dialog } from "../../components/ui/Dialog";
import { showToast } from "../../components/ui/toast";
import { useT } from "../../i18n/i18n";
import { parseCents } from "./money";

const OUTCOMES: Outcome[] = ["sale", "lost_price", "lost_timing", "no_response", "other"];

interface Props {
  open: boolean;
  andNext: boolean;
  conversation: Conversation;
  onCancel: () => void;
  onDone: (andNext: boolean) => void;
}

export function CloseTicketDialog({ open, andNext, conversation: c, onCancel, onDone }: Props) {
  const t = useT();
  const close = useCloseTicket();
  // nothing pre-selected: a click-through must not record a sale
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [reason, setReason] = useState("");
  const [value, setValue] = useState("");
  const cents = outcome === "sale" ? parseCents(value) : null;
  const valueInvalid = outcome === "sale" && value.trim() !== "" && cents === null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!c.currentTicketId || !outcome || valueInvalid) return;
    close.mutate(
      {
        ticketId: c.currentTicketId,
        conversationId: c.id,
        leadId: c.lead.id,
        outcome,
        reason: reason.trim(),
        ...(cents !== null ? { valueCents: cents } : {}),
      },
      {
        onSuccess: () => {
          showToast(t("ticket.closed"), "success", 2500);
          setReason("");
          setValue("");
          setOutcome(null);
          onDone(andNext);
        },
      },
    );
  };

  return (
    <Dialog open={open} title={t("ticket.closeTitle")} onClose={onCancel} testId="close-ticket-dialog">
      <form onSubmit={submit} className="close-form">
        <fieldset>
          <legend>{t("ticket.outcome")}</legend>
          {OUTCOMES.map((o) => (
            <label key={o} className="radio">
              <input
                type="radio"
                name="outcome"
                value={o}
                checked={outcome === o}
                onChange={() => setOutcome(o)}
                data-testid={`outcome-${o}`}
              />
              {t(`ticket.outcome.${o}`)}
            </label>
          ))}
        </fieldset>
        {outcome === "sale" && (
          <label>
            {t("ticket.saleValue")}
            <input
              inputMode="decimal"
              placeholder="1.234,56"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              aria-invalid={valueInvalid}
              data-testid="close-value"
            />
            {valueInvalid && <span className="form-error">{t("ticket.saleValueInvalid")}</span>}
          </label>
        )}
        <label>
          {t("ticket.reason")}
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={3} data-testid="close-reason" />
        </label>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={close.isPending || !outcome || valueInvalid} data-testid="confirm-close-ticket">
            {andNext ? t("ticket.closeAndNext") : t("ticket.confirmClose")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
