// Chat header menu: the conversation's priority and snooze ("Adiar" until a time or until the
// lead writes; "Reativar agora" while snoozed). Both leave a SYSTEM line in the thread.
import { useSetPriority, useSnooze } from "../../api/conversations";
import { PRIORITIES, isSnoozed, type Conversation, type Priority } from "../../api/types";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";

const HOUR = 3_600_000;
export const SNOOZE_CHOICES = { "1h": HOUR, "4h": 4 * HOUR, "1d": 24 * HOUR, "1w": 7 * 24 * HOUR } as const;
type SnoozeChoice = keyof typeof SNOOZE_CHOICES;

export function ConversationMenu({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const f = useFormat();
  const priority = useSetPriority();
  const snooze = useSnooze();
  const snoozed = isSnoozed(c);

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
        </select>
      )}
    </span>
  );
}
