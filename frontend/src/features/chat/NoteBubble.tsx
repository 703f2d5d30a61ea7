// An internal note in the thread: the team's only, never sent to WhatsApp. Yellow, full width,
// with its author and time, mentions highlighted.
import type { Message } from "../../api/types";
import { Icon } from "../../components/ui/Icon";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";

function withMentions(text: string, names: string[]) {
  if (!names.length) return text;
  const escaped = names.map((n) => `@${n}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const parts = text.split(new RegExp(`(${escaped.join("|")})`, "g"));
  return parts.map((p, i) =>
    i % 2 === 1 ? (
      <span key={i} className="mention">
        {p}
      </span>
    ) : (
      p
    ),
  );
}

export function NoteBubble({ message: m }: { message: Message }) {
  const t = useT();
  const f = useFormat();
  const mentions = (m.metadata as { mentions?: { userId: string; name: string }[] } | null)?.mentions ?? [];
  const at = m.sentAt || m.createdAt;
  return (
    <div className="note-row">
      <div className="note-bubble" data-testid="message-bubble" data-note="true" data-message-id={m.id} data-client-id={m.clientId ?? undefined} data-status={m.status}>
        <div className="note-head">
          <Icon name="lock" size={14} />
          <span>{t("note.label")}</span>
          <span className="note-author">{m.senderName ?? ""}</span>
        </div>
        <div className="note-text">{withMentions(m.content ?? "", mentions.map((x) => x.name))}</div>
        <div className="bubble-meta">
          <time dateTime={at} title={f.dateTime(at)}>
            {f.time(at)}
          </time>
        </div>
      </div>
    </div>
  );
}
