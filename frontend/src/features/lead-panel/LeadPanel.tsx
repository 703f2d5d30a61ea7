import { useConversation } from "../../api/conversations";
import { useLead, useUpdateLead } from "../../api/leads";
import { Avatar } from "../../components/ui/Avatar";
import { Icon } from "../../components/ui/Icon";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { formatPhone, leadDisplayName } from "../../lib/phone";
import { AssignSelect } from "../chat/AssignSelect";
import { sourceLabel } from "../chat/ticketLabel";
import { EditableText } from "./EditableText";
import { Journey } from "./Journey";
import { NotesEditor } from "./NotesEditor";

interface Props {
  conversationId: string | null;
  meId: string;
  onBack?: (() => void) | undefined;
}

export function LeadPanel({ conversationId, meId, onBack }: Props) {
  const t = useT();
  const f = useFormat();
  const { data: conv } = useConversation(conversationId);
  const { data: lead, isPending } = useLead(conv?.lead.id);
  const update = useUpdateLead();

  const header = (
    <div className="pane-header lead-header">
      {onBack && (
        <button className="icon-btn" onClick={onBack} aria-label={t("common.back")}>
          <Icon name="back" />
        </button>
      )}
      <h2>{t("lead.title")}</h2>
    </div>
  );

  if (!conversationId || !conv) {
    return (
      <aside className="lead-pane" data-testid="lead-panel">
        {header}
      </aside>
    );
  }
  const summary = lead ?? { ...conv.lead, notes: null, firstSource: null, firstCampaign: null, firstMedium: null, tickets: [] };
  const name = leadDisplayName(summary);
  return (
    <aside className="lead-pane" data-testid="lead-panel" data-lead-id={conv.lead.id}>
      {header}
      <div className="lead-body">
        <div className="lead-identity">
          <Avatar name={name} seed={conv.lead.id} size={96} />
          <EditableText
            value={summary.name ?? ""}
            placeholder={summary.pushName || formatPhone(summary.phone)}
            label={t("lead.name")}
            saving={update.isPending}
            onSave={(v) => update.mutate({ id: conv.lead.id, name: v })}
            testId="lead-name"
          />
          <div className="muted" data-testid="lead-phone">
            {formatPhone(summary.phone)}
          </div>
          {lead && <div className="muted small">{t("lead.since", { date: f.date(lead.createdAt) })}</div>}
        </div>
        <section className="lead-section">
          <h3>{t("chat.assignTo")}</h3>
          <AssignSelect conversation={conv} meId={meId} testId="lead-assign-select" />
        </section>
        <section className="lead-section">
          <h3>{t("lead.firstTouch")}</h3>
          <dl className="kv" data-testid="lead-first-touch">
            <dt>{t("lead.source")}</dt>
            <dd>{sourceLabel(summary.firstSource, t) ?? t("common.none")}</dd>
            <dt>{t("lead.campaign")}</dt>
            <dd>{summary.firstCampaign ?? t("common.none")}</dd>
            <dt>{t("lead.medium")}</dt>
            <dd>{summary.firstMedium ?? t("common.none")}</dd>
          </dl>
        </section>
        <section className="lead-section">
          <h3>{t("lead.journey")}</h3>
          {isPending ? <p className="muted">{t("common.loading")}</p> : <Journey tickets={summary.tickets} currentTicketId={conv.currentTicketId} />}
        </section>
        <section className="lead-section">
          <h3>{t("lead.notes")}</h3>
          {lead && (
            <NotesEditor
              key={lead.id}
              value={lead.notes ?? ""}
              saving={update.isPending}
              onSave={(notes) => update.mutate({ id: lead.id, notes })}
            />
          )}
        </section>
      </div>
    </aside>
  );
}
