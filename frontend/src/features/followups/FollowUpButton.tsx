// Chat header: "Iniciar follow-up" (sequence picker + the planned date of each step) on an open
// ticket; "Parar follow-up" while one runs.
import { useMemo, useState, type FormEvent } from "react";
import { useSequences, useStartFollowUp, useStopFollowUp } from "../../api/followups";
import type { Conversation } from "../../api/types";
import { Dialog } from "../../components/ui/Dialog";
import { showToast } from "../../components/ui/toast";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { plannedDates } from "./plan";

export function FollowUpButton({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const stop = useStopFollowUp();
  const ticketId = c.currentTicketId;
  // The ticket can turn FOLLOW_UP (the start's own refetch or event) before start.mutate's
  // onSuccess runs; the dialog is then unmounted and that callback never fires: close it here,
  // or it would open again when the follow-up stops.
  if (open && c.ticketStatus !== "OPEN") setOpen(false);
  if (!ticketId || c.ticketStatus === "RESOLVED") return null;
  if (c.ticketStatus === "FOLLOW_UP") {
    return (
      <button
        className="btn btn-small"
        disabled={stop.isPending}
        onClick={() =>
          stop.mutate({ conversationId: c.id, ticketId }, { onSuccess: () => showToast(t("followUp.stopped"), "success", 2500) })
        }
        data-testid="stop-follow-up"
      >
        {t("followUp.stop")}
      </button>
    );
  }
  return (
    <>
      <button className="btn btn-small" onClick={() => setOpen(true)} data-testid="start-follow-up">
        {t("followUp.start")}
      </button>
      {open && <StartDialog conversation={c} ticketId={ticketId} onClose={() => setOpen(false)} />}
    </>
  );
}

function StartDialog({ conversation: c, ticketId, onClose }: { conversation: Conversation; ticketId: string; onClose: () => void }) {
  const t = useT();
  const f = useFormat();
  const sequences = useSequences();
  const start = useStartFollowUp();
  const [picked, setPicked] = useState("");
  const seq = sequences.data?.find((s) => s.id === picked) ?? sequences.data?.[0];
  const [now] = useState(() => new Date());
  const dates = useMemo(() => (seq ? plannedDates(now, seq.steps) : []), [seq, now]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!seq) return;
    start.mutate(
      { conversationId: c.id, ticketId, sequenceId: seq.id },
      {
        onSuccess: () => {
          showToast(t("followUp.started"), "success", 2500);
          onClose();
        },
      },
    );
  };
  return (
    <Dialog open title={t("followUp.start")} onClose={onClose} testId="follow-up-dialog">
      <form onSubmit={submit} className="close-form">
        {sequences.data?.length === 0 && <p className="hint">{t("followUp.noSequences")}</p>}
        {!!sequences.data?.length && (
          <label>
            {t("followUp.sequence")}
            <select value={seq?.id ?? ""} onChange={(e) => setPicked(e.target.value)} data-testid="follow-up-sequence">
              {sequences.data.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {seq && (
          <ol className="follow-up-plan" data-testid="follow-up-plan">
            {seq.steps.map((s, i) => (
              <li key={i}>
                <time dateTime={dates[i]!.toISOString()}>{f.dateTime(dates[i]!.toISOString())}</time>
                <span>{s.content}</span>
              </li>
            ))}
          </ol>
        )}
        {start.error && (
          <p className="form-error" role="alert">
            {errorMessage(start.error, t)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={!seq || start.isPending} data-testid="confirm-follow-up">
            {t("followUp.confirm")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
