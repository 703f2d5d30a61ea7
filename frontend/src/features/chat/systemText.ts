// A SYSTEM line of activity (senderType SYSTEM, content empty) -> one sentence in the viewer's
// language. The server writes metadata.system = {kind, ...params} (messages.add_system); each kind
// has one text here. An unknown kind still says something rather than an empty bubble.
import type { Message } from "../../api/types";
import type { Lang, MessageKey, TFunction } from "../../i18n/i18n";
import { sourceLabel } from "./ticketLabel";

export type SystemParams = { kind?: string } & Record<string, unknown>;

export function systemParams(m: Pick<Message, "metadata">): SystemParams {
  const meta = m.metadata as { system?: unknown } | null | undefined;
  const s = meta?.system;
  return s && typeof s === "object" ? (s as SystemParams) : {};
}

function str(v: unknown): string {
  return typeof v === "string" || typeof v === "number" ? String(v) : "";
}

const OUTCOMES = new Set(["sale", "lost_price", "lost_timing", "no_response", "other"]);
const CANCEL_REASONS = new Set(["lead_replied", "stopped", "send_failed"]);

export interface SystemFormat {
  dateTime: (iso: string) => string;
  lang: Lang;
}

function money(cents: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { style: "currency", currency: "BRL" }).format(cents / 100);
}

export function systemText(p: SystemParams, t: TFunction, f: SystemFormat): string {
  const by = str(p.by);
  const number = str(p.number);
  switch (p.kind) {
    case "follow_up_started":
      return t(by ? "system.followUpStarted" : "system.followUpStartedAnon", {
        by,
        sequence: str(p.sequence),
        steps: str(p.steps),
      });
    case "follow_up_cancelled": {
      const reason = str(p.reason);
      if (reason === "stopped" && by) return t("system.followUpStoppedBy", { by });
      return t(`system.followUpCancelled.${CANCEL_REASONS.has(reason) ? reason : "stopped"}` as MessageKey);
    }
    case "follow_up_completed":
      return t("system.followUpCompleted", { steps: str(p.steps) });
    case "assigned": {
      const to = str(p.to);
      const from = str(p.from);
      if (!to) return t(by ? "system.unassignedBy" : "system.unassigned", { by, from });
      if (from) return t(by ? "system.transferredBy" : "system.transferred", { by, from, to });
      if (by && by === to) return t("system.tookOver", { by });
      return t(by ? "system.assignedBy" : "system.assigned", { by, to });
    }
    case "ticket_opened": {
      const origin = sourceLabel(str(p.source) || null, t);
      const base = by ? t("system.ticketOpenedBy", { by, number }) : t("system.ticketOpened", { number });
      return origin ? `${base} · ${t("system.origin", { origin })}` : base;
    }
    case "ticket_closed": {
      const outcome = str(p.outcome);
      let what = OUTCOMES.has(outcome) ? t(`ticket.outcome.${outcome}` as MessageKey) : "";
      if (outcome === "sale" && typeof p.valueCents === "number") what += ` (${money(p.valueCents, f.lang)})`;
      const rule = str(p.closedBy);
      if (rule === "inactivity") return t("system.ticketClosedInactivity", { number });
      if (rule === "follow_up") return t("system.ticketClosedFollowUp", { number });
      if (by) return t(what ? "system.ticketClosedByWith" : "system.ticketClosedBy", { by, number, outcome: what });
      return t(what ? "system.ticketClosedWith" : "system.ticketClosed", { number, outcome: what });
    }
    case "ticket_reopened":
      return t(by ? "system.ticketReopenedBy" : "system.ticketReopened", { by, number });
    case "snoozed": {
      const until = str(p.until);
      return t(by ? "system.snoozedBy" : "system.snoozed", { by, until: until ? f.dateTime(until) : "" });
    }
    case "priority": {
      const priority = str(p.priority);
      const label = ["none", "low", "medium", "high", "urgent"].includes(priority) ? t(`priority.${priority}` as MessageKey) : priority;
      return t(by ? "system.priorityBy" : "system.priority", { by, priority: label });
    }
    default:
      return t("system.activity");
  }
}
