// A SYSTEM line of activity in the thread (ticket opened/closed, assigned, follow-up, snoozed):
// a centred note in the viewer's language, with its time. Never a bubble, never sent.
import type { Message } from "../../api/types";
import { useFormat } from "../../i18n/format";
import { useLang, useT } from "../../i18n/i18n";
import { systemParams, systemText } from "./systemText";

export function SystemNote({ message: m }: { message: Message }) {
  const t = useT();
  const f = useFormat();
  const [lang] = useLang();
  const p = systemParams(m);
  const at = m.sentAt || m.createdAt;
  return (
    <div
      className="system-note"
      data-testid="system-note"
      data-kind={p.kind ?? ""}
      data-message-id={m.id}
      role="note"
    >
      <span>{systemText(p, t, { dateTime: f.dateTime, lang })}</span>
      <time className="system-note-time" dateTime={at} title={f.dateTime(at)}>
        {f.time(at)}
      </time>
    </div>
  );
}
