import { useInfiniteQuery } from "@tanstack/react-query";
import { api, buildUrl } from "./client";
import type { components } from "./schema";

type S = components["schemas"];
export type LeadListItem = S["LeadListItem"];
export type LeadPage = S["LeadPage"];

export interface LeadFilters {
  q?: string;
  source?: string;
  campaign?: string;
  outcome?: string;
  createdFrom?: string; // YYYY-MM-DD
  createdTo?: string;
}

export const LEADS_PAGE = 50;

function query(f: LeadFilters): Record<string, string | undefined> {
  return {
    q: f.q?.trim() || undefined,
    source: f.source || undefined,
    campaign: f.campaign?.trim() || undefined,
    outcome: f.outcome || undefined,
    createdFrom: f.createdFrom || undefined,
    createdTo: f.createdTo || undefined,
  };
}

/** GET /leads (cursor pagination, newest lead first). */
export function useLeadsList(filters: LeadFilters) {
  return useInfiniteQuery({
    queryKey: ["leads", "list", query(filters)],
    queryFn: ({ pageParam, signal }) =>
      api<LeadPage>("/leads", { signal, query: { ...query(filters), cursor: pageParam ?? undefined, limit: LEADS_PAGE } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Every lead the filters match, as CSV (UTF-8 with BOM): a plain link the browser downloads. */
export function leadsCsvUrl(filters: LeadFilters): string {
  return buildUrl("/leads", { ...query(filters), format: "csv" });
}
