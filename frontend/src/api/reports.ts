import { useQuery } from "@tanstack/react-query";
import { api, buildUrl } from "./client";
import type { components } from "./schema";

type S = components["schemas"];
export type Overview = S["Overview"];
export type Attribution = S["Attribution"];
export type AttributionGroup = S["AttributionGroup"];
export type AgentsReport = S["AgentsReport"];
export type AgentFigures = S["AgentFigures"];
export type Model = "first_touch" | "last_touch" | "any_touch";
export type GroupBy = "source" | "campaign" | "medium" | "ad";

export interface Range {
  from: string; // YYYY-MM-DD
  to: string;
}

/** GET /reports/overview */
export function useOverview(range: Range) {
  return useQuery({
    queryKey: ["reports", "overview", range],
    queryFn: ({ signal }) => api<Overview>("/reports/overview", { query: { ...range }, signal }),
  });
}

/** GET /reports/attribution */
export function useAttribution(range: Range, model: Model, groupBy: GroupBy) {
  return useQuery({
    queryKey: ["reports", "attribution", range, model, groupBy],
    queryFn: ({ signal }) => api<Attribution>("/reports/attribution", { query: { ...range, model, groupBy }, signal }),
  });
}

/** GET /reports/agents */
export function useAgentsReport(range: Range) {
  return useQuery({
    queryKey: ["reports", "agents", range],
    queryFn: ({ signal }) => api<AgentsReport>("/reports/agents", { query: { ...range }, signal }),
  });
}

/** The same report as CSV (UTF-8 with BOM): a plain link the browser downloads. */
export function csvUrl(report: "overview" | "attribution" | "agents", query: Record<string, string>): string {
  return buildUrl(`/reports/${report}`, { ...query, format: "csv" });
}
