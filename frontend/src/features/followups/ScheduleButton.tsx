// Composer: "Enviar depois" — the draft (and optionally a file, the draft then its caption) is
// scheduled for a date/time in the organization's zone.
import { useState, type FormEvent } from "react";
import { useSchedule } from "../../api/followups";
import { Dialog } from "../../components/ui/Dialog";
import { showToast } from "../../components/ui/toast";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { isoToZonedLocal, zonedLocalToIso } from "../../lib/zoned";

export function ScheduleButton({ conversationId, draft, onScheduled }: { conversationId: string; draft: string; onScheduled: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        className="icon-btn"
        onClick={() => setOpen(true)}
        aria-label={t("scheduled.sendLater")}
        title={t("scheduled.sendLater")}
        data-testid="schedule-button"
      >
        <span aria-hidden="true">🕓</span>
      </button>
      {open && (
        <ScheduleDialog
          conversationId={conversationId}
          content={draft.trim()}
          onClose={() => setOpen(false)}
          onDone={() => {
            setOpen(false);
            onScheduled();
          }}
        />
      )}
    </>
  );
}

function ScheduleDialog(props: { conversationId: string; content: string; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const f = useFormat();
  const schedule = useSchedule();
  // default: the next whole hour at least 30 minutes away
  const [when, setWhen] = useState(() => {
    const d = new Date(Date.now() + 30 * 60_000);
    d.setUTCMinutes(60, 0, 0);
    return isoToZonedLocal(d, f.timeZone);
  });
  const [file, setFile] = useState<File | null>(null);
  const sendAt = zonedLocalToIso(when, f.timeZone);
  const ready = !!sendAt && (!!props.content || !!file);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sendAt || !ready) return;
    schedule.mutate(
      { conversationId: props.conversationId, content: props.content, sendAt, file },
      {
        onSuccess: () => {
          showToast(t("scheduled.created", { when: f.dateTime(sendAt) }), "success", 3000);
          props.onDone();
        },
      },
    );
  };
  return (
    <Dialog open title={t("scheduled.sendLater")} onClose={props.onClose} testId="schedule-dialog">
      <form onSubmit={submit} className="close-form">
        {props.content && <p className="scheduled-text">{props.content}</p>}
        <label>
          {t("scheduled.attach")}
          <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="schedule-file" />
        </label>
        <label>
          {t("scheduled.when", { zone: f.timeZone })}
          <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} required data-testid="schedule-when" />
        </label>
        {schedule.error && (
          <p className="form-error" role="alert">
            {errorMessage(schedule.error, t)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={props.onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={!ready || schedule.isPending} data-testid="confirm-schedule">
            {t("scheduled.confirm")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
