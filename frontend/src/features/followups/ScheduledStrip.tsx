// Pending scheduled messages of the conversation (agent-scheduled and follow-up steps), shown
// above the composer as outgoing bubbles with a clock: editable (text, date/time in the
// organization's zone) and cancellable while PENDING.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { followUpKeys, useCancelScheduled, useScheduled, useUpdateScheduled, type Scheduled } from "../../api/followups";
import type { Conversation } from "../../api/types";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { isoToZonedLocal, zonedLocalToIso } from "../../lib/zoned";

export function ScheduledStrip({ conversation: c }: { conversation: Conversation }) {
  const qc = useQueryClient();
  const list = useScheduled(c.id);
  // a step went out, a reply cancelled the follow-up, one was started: the rows changed
  useEffect(() => {
    void qc.invalidateQueries({ queryKey: followUpKeys.scheduled(c.id) });
  }, [qc, c.id, c.lastMessageAt, c.ticketStatus]);
  const pending = (list.data ?? []).filter((s) => s.status === "PENDING");
  if (pending.length === 0) return null;
  return (
    <div className="scheduled-strip" data-testid="scheduled-strip">
      {pending.map((s) => (
        <ScheduledBubble key={s.id} item={s} />
      ))}
    </div>
  );
}

function ScheduledBubble({ item: s }: { item: Scheduled }) {
  const t = useT();
  const f = useFormat();
  const cancel = useCancelScheduled();
  const update = useUpdateScheduled();
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(s.content);
  const [when, setWhen] = useState(() => isoToZonedLocal(s.sendAt, f.timeZone));
  const save = () => {
    const sendAt = zonedLocalToIso(when, f.timeZone);
    if (!sendAt || !content.trim()) return;
    update.mutate(
      { conversationId: s.conversationId, id: s.id, content: content.trim(), sendAt },
      { onSuccess: () => setEditing(false) },
    );
  };
  return (
    <div className="bubble-row out">
      <div className="bubble out scheduled-bubble" data-testid="scheduled-bubble" data-scheduled-id={s.id} data-step={s.step ?? ""}>
        <div className="scheduled-head">
          <span aria-hidden="true">🕓</span>
          <span>
            {s.step !== null ? t("scheduled.step", { n: s.step + 1 }) + " · " : ""}
            {t("scheduled.at", { when: f.dateTime(s.sendAt) })}
          </span>
        </div>
        {editing ? (
          <div className="scheduled-edit">
            <textarea value={content} onChange={(e) => setContent(e.target.value)} rows={2} data-testid="scheduled-edit-content" />
            <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} data-testid="scheduled-edit-when" />
            {update.error && (
              <p className="form-error" role="alert">
                {errorMessage(update.error, t)}
              </p>
            )}
            <div className="row">
              <button className="link-btn" onClick={save} disabled={update.isPending} data-testid="scheduled-save">
                {t("common.save")}
              </button>
              <button className="link-btn" onClick={() => setEditing(false)}>
                {t("common.cancel")}
              </button>
            </div>
          </div>
        ) : (
          <>
            {s.mediaName && (
              <div className="scheduled-file" data-testid="scheduled-file">
                📎 {s.mediaName}
              </div>
            )}
            {s.content && <div className="scheduled-text">{s.content}</div>}
            <div className="row">
              <button className="link-btn" onClick={() => setEditing(true)} data-testid="scheduled-edit">
                {t("common.edit")}
              </button>
              <button
                className="link-btn danger"
                disabled={cancel.isPending}
                onClick={() => cancel.mutate({ conversationId: s.conversationId, id: s.id })}
                data-testid="scheduled-cancel"
              >
                {t("scheduled.cancel")}
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
