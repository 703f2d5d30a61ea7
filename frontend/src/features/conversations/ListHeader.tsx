import { useEffect, useState } from "react";
import { useInstances } from "../../api/instances";
import type { TicketStatus } from "../../api/types";
import { Avatar } from "../../components/ui/Avatar";
import { Icon } from "../../components/ui/Icon";
import { useT } from "../../i18n/i18n";
import { Link, navigate } from "../../router";
import { NewConversationButton, StartFromSearch } from "../new-conversation/NewConversationDialog";
import { sourceLabel, TICKET_SOURCES } from "../chat/ticketLabel";
import type { ListTab, ListUiState, StatusChoice } from "./filters";
import type { Me } from "../../api/types";
import type { RefObject } from "react";

const TABS: ListTab[] = ["all", "unread", "mine", "waiting", "unassigned"];
const STATUSES: TicketStatus[] = ["OPEN", "FOLLOW_UP", "RESOLVED"];

interface Props {
  me: Me;
  instanceId: string | null;
  ui: ListUiState;
  onUiChange: (ui: ListUiState) => void;
  searchRef: RefObject<HTMLInputElement | null>;
}

export function ListHeader({ me, instanceId, ui, onUiChange, searchRef }: Props) {
  const t = useT();
  const { data: instances } = useInstances();
  const [q, setQ] = useState(ui.q);
  const [campaign, setCampaign] = useState(ui.campaign ?? "");

  // Debounced search: one request after typing pauses, not one per key.
  useEffect(() => {
    if (q === ui.q) return;
    const id = setTimeout(() => onUiChange({ ...ui, q }), 300);
    return () => clearTimeout(id);
  }, [q, ui, onUiChange]);

  // The campaign is typed too: one request after typing pauses.
  useEffect(() => {
    if (campaign === (ui.campaign ?? "")) return;
    const id = setTimeout(() => onUiChange({ ...ui, campaign }), 300);
    return () => clearTimeout(id);
  }, [campaign, ui, onUiChange]);

  return (
    <div className="list-header">
      <div className="pane-header">
        <span title={`${me.user.name} · ${me.organization.name}`}>
          <Avatar name={me.user.name} seed={me.user.id} size={40} />
        </span>
        <select
          className="instance-switch"
          value={instanceId ?? ""}
          onChange={(e) => navigate(e.target.value ? `/inbox/instance/${e.target.value}` : "/inbox")}
          data-testid="instance-switcher"
          aria-label={t("list.allInstances")}
        >
          <option value="">{t("list.allInstances")}</option>
          {instances?.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
              {i.isDemo ? ` — ${t("settings.demo")}` : ""}
            </option>
          ))}
        </select>
        <NewConversationButton instanceId={instanceId} />
        <Link href="/leads" className="icon-btn" aria-label={t("nav.leads")} title={t("nav.leads")} data-testid="leads-link">
          <Icon name="person" />
        </Link>
        <Link href="/reports" className="icon-btn" aria-label={t("nav.reports")} title={t("nav.reports")} data-testid="reports-link">
          <Icon name="chart" />
        </Link>
        <Link href="/settings" className="icon-btn" aria-label={t("nav.settings")} title={t("nav.settings")} data-testid="settings-link">
          <Icon name="settings" />
        </Link>
      </div>
      <div className="search-box">
        <Icon name="search" size={18} />
        <input
          ref={searchRef}
          type="search"
          placeholder={t("list.search")}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              setQ("");
              onUiChange({ ...ui, q: "" });
              e.currentTarget.blur();
            }
          }}
          data-testid="search-input"
          aria-label={t("list.search")}
        />
      </div>
      <StartFromSearch query={q} instanceId={instanceId} />
      {/* Tabs (which conversations) and the ticket status (a separate select) never share a highlight. */}
      <div className="filters" role="tablist" aria-label={t("list.tabs")}>
        {TABS.map((tab) => (
          <button
            key={tab}
            role="tab"
            aria-selected={ui.tab === tab}
            className={`filter-chip${ui.tab === tab ? " active" : ""}`}
            onClick={() => onUiChange({ ...ui, tab })}
            data-testid={`filter-${tab}`}
          >
            {t(`list.tab.${tab}`)}
          </button>
        ))}
      </div>
      <div className="status-filter">
        <select
          value={ui.status}
          onChange={(e) => onUiChange({ ...ui, status: e.target.value as StatusChoice })}
          className={ui.status ? "set" : undefined}
          aria-label={t("list.status.label")}
          data-testid="filter-status"
        >
          <option value="">{t("list.status.any")}</option>
          {STATUSES.map((st) => (
            <option key={st} value={st}>
              {t(`list.status.${st}`)}
            </option>
          ))}
          <option value="SNOOZED">{t("list.status.SNOOZED")}</option>
        </select>
        {/* The current ticket's origin: checked by the server only (the list refetches on events). */}
        <select
          value={ui.source ?? ""}
          onChange={(e) => onUiChange({ ...ui, source: e.target.value })}
          className={ui.source ? "set" : undefined}
          aria-label={t("list.origin.source")}
          title={t("list.origin.source")}
          data-testid="filter-source"
        >
          <option value="">{t("list.origin.anySource")}</option>
          {TICKET_SOURCES.map((s) => (
            <option key={s} value={s}>
              {sourceLabel(s, t)}
            </option>
          ))}
        </select>
        <input
          type="search"
          className={`campaign-filter${campaign.trim() ? " set" : ""}`}
          placeholder={t("list.origin.campaign")}
          aria-label={t("list.origin.campaignLabel")}
          title={t("list.origin.campaignLabel")}
          value={campaign}
          maxLength={200}
          onChange={(e) => setCampaign(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              setCampaign("");
              onUiChange({ ...ui, campaign: "" });
            }
          }}
          data-testid="filter-campaign"
        />
      </div>
    </div>
  );
}
