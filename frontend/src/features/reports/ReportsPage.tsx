import { useMemo, useState } from "react";
import type { ChartConfiguration } from "chart.js";
import type { Me } from "../../api/types";
import {
  csvUrl,
  useAgentsReport,
  useAttribution,
  useOverview,
  type AgentFigures,
  type AttributionGroup,
  type GroupBy,
  type Model,
  type Range,
} from "../../api/reports";
import { useLang, useT } from "../../i18n/i18n";
import { Link } from "../../router";
import { sourceLabel } from "../chat/ticketLabel";
import { AdCampaigns } from "./AdCampaigns";
import { ChartCanvas } from "./ChartCanvas";
import { count, duration, money, percent, presetRange, type Preset } from "./format";
import { SortableTable, type Column } from "./SortableTable";

const PRESETS: Preset[] = ["today", "7d", "30d", "month"];
const MODELS: Model[] = ["first_touch", "last_touch", "any_touch"];
const GROUPS: GroupBy[] = ["source", "campaign", "medium", "ad"];

/** Which clock the response and resolution times are counted on (Settings → organization). */
export function ClockNote({ clock }: { clock: Me["organization"]["responseTimeClock"] }) {
  const t = useT();
  return (
    <p className="muted" data-testid="reports-clock">
      {t(clock === "business" ? "reports.clock.business" : "reports.clock.wall")}
    </p>
  );
}

/** Relatórios: overview, attribution and agents for a range of dates (lazy-loaded route). */
export default function ReportsPage({ me }: { me: Me }) {
  const t = useT();
  const [lang] = useLang();
  const loc = lang === "en" ? "en" : "pt-BR";
  const [preset, setPreset] = useState<Preset>("30d");
  const range: Range = useMemo(() => presetRange(preset), [preset]);
  const [model, setModel] = useState<Model>("first_touch");
  const [groupBy, setGroupBy] = useState<GroupBy>("source");
  const overview = useOverview(range);
  const attribution = useAttribution(range, model, groupBy);
  const agents = useAgentsReport(range);
  const o = overview.data;

  const daily = useMemo<ChartConfiguration | null>(
    () =>
      o
        ? {
            type: "line",
            data: {
              labels: o.daily.map((d) => d.date.slice(5).split("-").reverse().join("/")),
              datasets: [
                { label: t("reports.leads"), data: o.daily.map((d) => d.leads), borderColor: "#25d366" },
                { label: t("reports.sales"), data: o.daily.map((d) => d.sales), borderColor: "#128c7e" },
              ],
            },
            options: { responsive: true, maintainAspectRatio: false, animation: false },
          }
        : null,
    [o, t],
  );
  const groups = useMemo(() => attribution.data?.groups ?? [], [attribution.data]);
  const bars = useMemo<ChartConfiguration>(
    () => ({
      type: "bar",
      data: {
        labels: groups.map((g) => g.key ?? t("reports.none")),
        datasets: [{ label: t("reports.salesValue"), data: groups.map((g) => g.salesValueCents / 100), backgroundColor: "#25d366" }],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false },
    }),
    [groups, t],
  );
  const funnel = useMemo<ChartConfiguration | null>(
    () =>
      o
        ? {
            type: "bar",
            data: {
              labels: [t("reports.newLeads"), t("reports.ticketsOpened"), t("reports.ticketsResolved"), t("reports.sales")],
              datasets: [
                {
                  label: t("reports.funnel"),
                  data: [o.newLeads.value ?? 0, o.ticketsOpened.value ?? 0, o.ticketsResolved.value ?? 0, o.sales.value ?? 0],
                  backgroundColor: "#128c7e",
                },
              ],
            },
            options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false },
          }
        : null,
    [o, t],
  );

  const groupColumns: Column<AttributionGroup>[] = [
    {
      key: "key",
      label: t(`reports.group.${groupBy}`),
      value: (g) => g.key,
      render: (g) => (groupBy === "source" ? sourceLabel(g.key, t) : g.key) ?? t("reports.none"),
    },
    { key: "leads", label: t("reports.leads"), value: (g) => g.leads, numeric: true, render: (g) => count(g.leads, loc) },
    { key: "tickets", label: t("reports.tickets"), value: (g) => g.tickets, numeric: true, render: (g) => count(g.tickets, loc) },
    { key: "sales", label: t("reports.sales"), value: (g) => g.sales, numeric: true, render: (g) => count(g.sales, loc) },
    { key: "value", label: t("reports.salesValue"), value: (g) => g.salesValueCents, numeric: true, render: (g) => money(g.salesValueCents, loc) },
    { key: "conv", label: t("reports.conversion"), value: (g) => g.conversionRate, numeric: true, render: (g) => percent(g.conversionRate, loc) },
    { key: "tts", label: t("reports.ticketsToSale"), value: (g) => g.medianTicketsToSale, numeric: true, render: (g) => count(g.medianTicketsToSale, loc) },
    { key: "dts", label: t("reports.daysToSale"), value: (g) => g.medianDaysToSale, numeric: true, render: (g) => count(g.medianDaysToSale, loc) },
  ];
  const agentColumns: Column<AgentFigures>[] = [
    { key: "name", label: t("reports.agent"), value: (a) => a.name },
    { key: "handled", label: t("reports.handled"), value: (a) => a.conversationsHandled, numeric: true, render: (a) => count(a.conversationsHandled, loc) },
    { key: "p50", label: t("reports.firstResponseP50"), value: (a) => a.firstResponseP50Seconds, numeric: true, render: (a) => duration(a.firstResponseP50Seconds, loc) },
    { key: "p90", label: t("reports.firstResponseP90"), value: (a) => a.firstResponseP90Seconds, numeric: true, render: (a) => duration(a.firstResponseP90Seconds, loc) },
    { key: "resolved", label: t("reports.ticketsResolved"), value: (a) => a.ticketsResolved, numeric: true, render: (a) => count(a.ticketsResolved, loc) },
    { key: "sales", label: t("reports.sales"), value: (a) => a.sales, numeric: true, render: (a) => count(a.sales, loc) },
    { key: "value", label: t("reports.salesValue"), value: (a) => a.salesValueCents, numeric: true, render: (a) => money(a.salesValueCents, loc) },
  ];

  const cards: [string, string, string][] = o
    ? [
        [t("reports.newLeads"), count(o.newLeads.value, loc), count(o.newLeads.previous, loc)],
        [t("reports.ticketsOpened"), count(o.ticketsOpened.value, loc), count(o.ticketsOpened.previous, loc)],
        [t("reports.sales"), count(o.sales.value, loc), count(o.sales.previous, loc)],
        [t("reports.salesValue"), money(o.salesValueCents.value ?? 0, loc), money(o.salesValueCents.previous ?? 0, loc)],
        [t("reports.conversion"), percent(o.conversionRate.value, loc), percent(o.conversionRate.previous, loc)],
        [t("reports.firstResponseP50"), duration(o.firstResponseP50Seconds.value, loc), duration(o.firstResponseP50Seconds.previous, loc)],
        [t("reports.firstResponseP90"), duration(o.firstResponseP90Seconds.value, loc), duration(o.firstResponseP90Seconds.previous, loc)],
        [t("reports.resolutionP50"), duration(o.resolutionP50Seconds.value, loc), duration(o.resolutionP50Seconds.previous, loc)],
        [t("reports.waitingNow"), count(o.waitingNow, loc), ""],
      ]
    : [];

  return (
    <div className="reports-page" data-testid="reports-page">
      <header className="reports-header">
        <Link href="/inbox" className="link-btn">
          ← {t("reports.back")}
        </Link>
        <h1>{t("reports.title")}</h1>
        {me.role !== "admin" && <span className="muted">{t("reports.ownFigures")}</span>}
        <div className="presets" role="group" aria-label={t("reports.range")}>
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className={p === preset ? "btn" : "btn btn-secondary"}
              aria-pressed={p === preset}
              onClick={() => setPreset(p)}
              data-testid={`preset-${p}`}
            >
              {t(`reports.preset.${p}`)}
            </button>
          ))}
        </div>
        <span className="muted" data-testid="reports-range">
          {range.from} – {range.to}
        </span>
        <a className="link-btn" href={csvUrl("overview", { ...range })} download data-testid="csv-overview">
          CSV
        </a>
      </header>
      {overview.isError && <p className="error">{t("errors.network")}</p>}
      <section className="report-cards">
        {cards.map(([label, value, previous]) => (
          <div className="report-card" key={label}>
            <div className="muted">{label}</div>
            <div className="report-value">{value}</div>
            {previous && (
              <div className="muted">
                {t("reports.previous")}: {previous}
              </div>
            )}
          </div>
        ))}
      </section>
      <ClockNote clock={me.organization.responseTimeClock} />
      <section className="report-charts">
        {daily && <ChartCanvas config={daily} label={t("reports.daily")} testId="chart-daily" />}
        <ChartCanvas config={bars} label={t("reports.byGroup")} testId="chart-groups" />
        {funnel && <ChartCanvas config={funnel} label={t("reports.funnel")} testId="chart-funnel" />}
      </section>
      <section>
        <h2>{t("reports.attribution")}</h2>
        <div className="report-controls">
          <select value={model} onChange={(e) => setModel(e.target.value as Model)} data-testid="report-model" aria-label={t("reports.model")}>
            {MODELS.map((m) => (
              <option key={m} value={m}>
                {t(`reports.model.${m}`)}
              </option>
            ))}
          </select>
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)} data-testid="report-group" aria-label={t("reports.groupBy")}>
            {GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(`reports.group.${g}`)}
              </option>
            ))}
          </select>
          <a className="link-btn" href={csvUrl("attribution", { ...range, model, groupBy })} download data-testid="csv-attribution">
            {t("reports.downloadCsv")}
          </a>
        </div>
        <SortableTable rows={groups} columns={groupColumns} rowKey={(g) => g.key ?? ""} testId="attribution-table" />
      </section>
      <section>
        <h2>{t("reports.agents")}</h2>
        <a className="link-btn" href={csvUrl("agents", { ...range })} download data-testid="csv-agents">
          {t("reports.downloadCsv")}
        </a>
        <SortableTable rows={agents.data?.agents ?? []} columns={agentColumns} rowKey={(a) => a.userId} testId="agents-table" />
      </section>
      {me.role === "admin" && <AdCampaigns />}
    </div>
  );
}
