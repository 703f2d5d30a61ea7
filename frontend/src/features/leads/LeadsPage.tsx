import { useState } from "react";
import { leadsCsvUrl, useLeadsList, type LeadFilters, type LeadListItem } from "../../api/leadsList";
import { useFormat } from "../../i18n/format";
import { useT, type MessageKey } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { formatPhone, leadDisplayName } from "../../lib/phone";
import { Link, navigate } from "../../router";
import { sourceLabel } from "../chat/ticketLabel";

const OUTCOMES = ["sale", "lost_price", "lost_timing", "no_response", "other"] as const;
const SOURCES = ["meta_ads", "whatsapp", "outbound", "google_ads", "organic"] as const;

/** Leads (a CRM view): every lead with its first touch, last ticket and last contact; a row
 * opens the lead's conversation (lazy-loaded route). */
export default function LeadsPage() {
  const t = useT();
  const f = useFormat();
  const [filters, setFilters] = useState<LeadFilters>({});
  const list = useLeadsList(filters);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (change: Partial<LeadFilters>) => setFilters((old) => ({ ...old, ...change }));
  const open = (lead: LeadListItem) => navigate(`/inbox?c=${encodeURIComponent(lead.conversationId)}&panel=lead`);
  const outcome = (o: string | null | undefined) => (o ? t(`ticket.outcome.${o}` as MessageKey) : t("common.none"));

  return (
    <div className="reports-page" data-testid="leads-page">
      <header className="reports-header">
        <Link href="/inbox" className="link-btn">
          ← {t("reports.back")}
        </Link>
        <h1>{t("leads.title")}</h1>
        <Link href="/reports" className="link-btn">
          {t("nav.reports")}
        </Link>
        <a className="link-btn" href={leadsCsvUrl(filters)} download data-testid="leads-csv">
          {t("reports.downloadCsv")}
        </a>
      </header>
      <div className="report-controls leads-filters">
        <input
          type="search"
          placeholder={t("leads.search")}
          aria-label={t("leads.search")}
          value={filters.q ?? ""}
          onChange={(e) => set({ q: e.target.value })}
          data-testid="leads-q"
        />
        <select value={filters.source ?? ""} onChange={(e) => set({ source: e.target.value })} aria-label={t("leads.firstTouch")} data-testid="leads-source">
          <option value="">{t("leads.anySource")}</option>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {sourceLabel(s, t)}
            </option>
          ))}
        </select>
        <input
          placeholder={t("reports.group.campaign")}
          aria-label={t("reports.group.campaign")}
          value={filters.campaign ?? ""}
          onChange={(e) => set({ campaign: e.target.value })}
          data-testid="leads-campaign"
        />
        <select value={filters.outcome ?? ""} onChange={(e) => set({ outcome: e.target.value })} aria-label={t("ticket.outcome")} data-testid="leads-outcome">
          <option value="">{t("leads.anyOutcome")}</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {t(`ticket.outcome.${o}`)}
            </option>
          ))}
        </select>
        <label>
          {t("leads.createdFrom")}{" "}
          <input type="date" value={filters.createdFrom ?? ""} onChange={(e) => set({ createdFrom: e.target.value })} data-testid="leads-from" />
        </label>
        <label>
          {t("leads.createdTo")}{" "}
          <input type="date" value={filters.createdTo ?? ""} onChange={(e) => set({ createdTo: e.target.value })} data-testid="leads-to" />
        </label>
      </div>
      {list.isError && <p className="error">{errorMessage(list.error, t)}</p>}
      <table className="report-table leads-table" data-testid="leads-table">
        <thead>
          <tr>
            <th>{t("leads.name")}</th>
            <th>{t("leads.phone")}</th>
            <th>{t("leads.firstTouch")}</th>
            <th>{t("leads.lastTicket")}</th>
            <th>{t("ticket.outcome")}</th>
            <th className="num">{t("reports.tickets")}</th>
            <th>{t("leads.lastContact")}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((lead) => {
            const last = lead.lastTicket;
            return (
              <tr
                key={lead.id}
                className="clickable"
                tabIndex={0}
                onClick={() => open(lead)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") open(lead);
                }}
                data-testid="lead-row"
              >
                <td>{leadDisplayName(lead)}</td>
                <td>{formatPhone(lead.phone)}</td>
                <td>{[sourceLabel(lead.firstSource, t), lead.firstCampaign].filter(Boolean).join(" · ") || t("common.none")}</td>
                <td>{last ? [sourceLabel(last.source, t), last.campaign ?? last.adHeadline].filter(Boolean).join(" · ") || t("common.none") : t("common.none")}</td>
                <td>{outcome(last?.outcome)}</td>
                <td className="num">{lead.ticketsCount}</td>
                <td>{f.dateTime(lead.lastContactAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!list.isPending && items.length === 0 && <p className="muted">{t("leads.empty")}</p>}
      {list.hasNextPage && (
        <button type="button" className="btn btn-secondary" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="leads-more">
          {list.isFetchingNextPage ? t("common.loading") : t("leads.more")}
        </button>
      )}
    </div>
  );
}
