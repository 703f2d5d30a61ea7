import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, setCsrfToken } from "./client";
import { keys } from "./keys";
import type { AgentVisibility, Me, Member, Organization } from "./types";

/** GET /auth/me — null when not logged in (401). */
export function useMe() {
  return useQuery({
    queryKey: keys.me(),
    queryFn: async ({ signal }) => {
      try {
        const me = await api<Me>("/auth/me", { signal });
        setCsrfToken(me.csrfToken);
        return me;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: Infinity,
    retry: false,
    meta: { silent: true },
  });
}

/** POST /auth/login */
export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => api<Me>("/auth/login", { json: body }),
    onSuccess: (me) => {
      setCsrfToken(me.csrfToken);
      qc.setQueryData(keys.me(), me);
    },
    meta: { silent: true }, // the login form shows its own message
  });
}

/** POST /auth/logout */
export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>("/auth/logout", { method: "POST" }),
    onSettled: () => {
      setCsrfToken(null);
      qc.clear();
      qc.setQueryData(keys.me(), null);
    },
  });
}

/** GET /users — members for assignment. */
export function useUsers(enabled = true) {
  return useQuery({
    queryKey: keys.users(),
    queryFn: ({ signal }) => api<Member[]>("/users", { signal }),
    staleTime: 5 * 60_000,
    enabled,
  });
}

export interface OrganizationUpdate {
  name?: string;
  timezone?: string;
  inactivityTimeoutMinutes?: number;
  agentVisibility?: AgentVisibility;
  /** Response times on the wall clock or in business hours (new figures; rebuild recomputes past ones). */
  responseTimeClock?: "wall" | "business";
  /** Per weekday (mon..sun) the [start, end] "HH:MM" local times. */
  businessHours?: Record<string, string[][]>;
  waitingWarnMinutes?: number;
  waitingAlertMinutes?: number;
}

/** PATCH /organization (admins) — the saved organization replaces the one in /auth/me. */
export function useUpdateOrganization() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: OrganizationUpdate) => api<Organization>("/organization", { method: "PATCH", json: body }),
    onSuccess: (organization) => {
      qc.setQueryData<Me | null>(keys.me(), (me) => (me ? { ...me, organization } : me));
    },
  });
}
