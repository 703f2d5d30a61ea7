// Chat header menu: the conversation's priority and snooze ("Adiar" until a time or until the
// lead writes — a preset or "Escolher data e hora…" in the organization's zone; "Reativar agora"
// while snoozed). Both leave a SYSTEM line in the thread.
import { useState, type FormEvent } from "react";
import { useSetPriority, useSnooze } from "../../api/conversations";
import { PRIORITIES, isSnoozed, type Conversation, type Priority } from "../../api/types";
import { Dialog } from "../../components/ui/Dialog";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { isoToZonedLocal, zonedLocalToIso } from "../../lib/zoned";

const HOUR = 3_600_000;
export const SNOOZE_CHOICES = { "1h": HOUR, "4h": 4 * HOUR, "1d": 24 * HOUR, "1w": 7 * 24 * HOUR } as const;
type SnoozeChoice = keyof typeof SNOOZE_CHOICES;
const CUSTOM = "custom";
/** The server's limit (conversations.service.MAX_SNOOZE): 366 days ahead. */
export const MAX_SNOOZE_MS = 366 * 24 * HOUR;

/** Why a picked snooze time is refused before asking the server (its error codes), or null. */
export function snoozeProblem(iso: string | null, now = Date.now()): "snooze_in_past" | "snooze_too_far" | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  if (at <= now) return "snooze_in_past";
  if (at > now + MAX_SNOOZE_MS) return "snooze_too_far";
  return null;
}

export function ConversationMenu({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const f = useFormat();
  const priority = useSetPriority();
  const snooze = useSnooze();
  const snoozed = isSnoozed(c);
  const [picking, setPicking] = useState(false);

  return (
    <span className="conversation-menu" data-testid="conversation-menu">
      <select
        className={`btn btn-small priority-select priority-${c.priority}`}
        value={c.priority}
        disabled={priority.isPending}
        aria-label={t("chat.priority")}
        title={t("chat.priority")}
        onChange={(e) => priority.mutate({ conversationId: c.id, priority: e.target.value as Priority })}
        data-testid="priority-select"
      >
        {PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {t(`priority.${p}`)}
          </option>
        ))}
      </select>
      {snoozed ? (
        <button
          className="btn btn-small"
          disabled={snooze.isPending}
          title={t("chat.snoozedUntil", { until: f.dateTime(c.snoozedUntil!) })}
          onClick={() => snooze.mutate({ conversationId: c.id, until: null })}
          data-testid="unsnooze-button"
        >
          {t("chat.unsnooze")}
        </button>
      ) : (
        <select
          className="btn btn-small snooze-select"
          value=""
          disabled={snooze.isPending}
          aria-label={t("chat.snooze")}
          onChange={(e) => {
            if (e.target.value === CUSTOM) return setPicking(true);
            const ms = SNOOZE_CHOICES[e.target.value as SnoozeChoice];
            if (ms) snooze.mutate({ conversationId: c.id, until: new Date(Date.now() + ms).toISOString() });
          }}
          data-testid="snooze-select"
        >
          <option value="">{t("chat.snooze")}</option>
          {(Object.keys(SNOOZE_CHOICES) as SnoozeChoice[]).map((k) => (
            <option key={k} value={k}>
              {t(`chat.snooze.${k}`)}
            </option>
          ))}
          <option value={CUSTOM}>{t("chat.snooze.custom")}</option>
        </select>
      )}
      {picking && <SnoozeDialog conversationId={c.id} onClose={() => setPicking(false)} />}
    </span>
  );
}

function SnoozeDialog({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const t = useT();
  const f = useFormat();
  const snooze = useSnooze();
  // default: tomorrow at this time, on the organization's wall clock
  const [when, setWhen] = useState(() => isoToZonedLocal(new Date(Date.now() + 24 * HOUR), f.timeZone));
  // the input's bounds, fixed when the dialog opens (the check on submit uses the time then)
  const [bounds] = useState(() => ({
    min: isoToZonedLocal(new Date(), f.timeZone),
    max: isoToZonedLocal(new Date(Date.now() + MAX_SNOOZE_MS), f.timeZone),
  }));
  const until = zonedLocalToIso(when, f.timeZone);
  const problem = snoozeProblem(until);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!until || problem) return;
    snooze.mutate({ conversationId, until }, { onSuccess: onClose });
  };
  return (
    <Dialog open title={t("chat.snooze.customTitle")} onClose={onClose} testId="snooze-dialog">
      <form onSubmit={submit} className="close-form">
        <label>
          {t("scheduled.when", { zone: f.timeZone })}
          <input
            type="datetime-local"
            value={when}
            min={bounds.min}
            max={bounds.max}
            onChange={(e) => setWhen(e.target.value)}
            required
            data-testid="snooze-when"
          />
        </label>
        {(problem || snooze.error) && (
          <p className="form-error" role="alert" data-testid="snooze-error">
            {problem ? t(`errors.${problem}`) : errorMessage(snooze.error, t)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={!until || !!problem || snooze.isPending} data-testid="confirm-snooze">
            {t("chat.snooze")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
