import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { applyInstanceStatus } from "../realtime/cacheOps";
import { api } from "./client";
import { keys } from "./keys";
import type { Instance, InstanceConnection, InstanceCreate, PairingCode } from "./types";

/** How often the connect dialog re-reads the QR code / session status. */
export const SESSION_POLL_MS = 3000;

/** GET /instances */
export function useInstances() {
  return useQuery({
    queryKey: keys.instances(),
    queryFn: ({ signal }) => api<Instance[]>("/instances", { signal }),
    staleTime: 60_000,
  });
}

/** A session answer carries the stored status: fold it into the list at once. */
export function storeConnection(qc: QueryClient, conn: InstanceConnection): void {
  qc.setQueryData<Instance[]>(keys.instances(), (list) => applyInstanceStatus(list, conn));
}

// Instance mutations report their errors inline (the server's message says what to fix),
// so they are `silent` for the global toast.
const silent = { silent: true } as const;

/** POST /instances */
export function useAddInstance() {
  const qc = useQueryClient();
  return useMutation({
    meta: silent,
    mutationFn: (body: InstanceCreate) => api<Instance>("/instances", { json: body }),
    onSuccess: (created) => {
      qc.setQueryData<Instance[]>(keys.instances(), (list) =>
        list && !list.some((i) => i.id === created.id) ? [...list, created] : list,
      );
      void qc.invalidateQueries({ queryKey: keys.instances() });
    },
  });
}

/** PATCH /instances/{id} */
export function useRenameInstance() {
  const qc = useQueryClient();
  return useMutation({
    meta: silent,
    mutationFn: ({ id, name }: { id: string; name: string }) =>
      api<Instance>(`/instances/${id}`, { method: "PATCH", json: { name } }),
    onSuccess: (updated) => {
      qc.setQueryData<Instance[]>(keys.instances(), (list) => list?.map((i) => (i.id === updated.id ? updated : i)));
    },
  });
}

/** PATCH /instances/{id} {historyDays}: days of WhatsApp history imported at the next pairing */
export function useInstanceHistoryDays() {
  const qc = useQueryClient();
  return useMutation({
    meta: silent,
    mutationFn: ({ id, historyDays }: { id: string; historyDays: number }) =>
      api<Instance>(`/instances/${id}`, { method: "PATCH", json: { historyDays } }),
    onSuccess: (updated) => {
      qc.setQueryData<Instance[]>(keys.instances(), (list) => list?.map((i) => (i.id === updated.id ? updated : i)));
    },
  });
}

/** DELETE /instances/{id} (409 while it has conversations) */
export function useDeleteInstance() {
  const qc = useQueryClient();
  return useMutation({
    meta: silent,
    mutationFn: (id: string) => api<void>(`/instances/${id}`, { method: "DELETE" }),
    onSuccess: (_r, id) => {
      qc.setQueryData<Instance[]>(keys.instances(), (list) => list?.filter((i) => i.id !== id));
    },
  });
}

export type SessionAction = "connect" | "disconnect" | "logout";

/** POST /instances/{id}/connect | disconnect | logout */
export function useSessionAction() {
  const qc = useQueryClient();
  return useMutation({
    meta: silent,
    mutationFn: ({ id, action }: { id: string; action: SessionAction }) =>
      api<InstanceConnection>(`/instances/${id}/${action}`, { method: "POST" }),
    onSuccess: (conn) => storeConnection(qc, conn),
  });
}

/** POST /instances/{id}/pair-phone */
export function usePairPhone() {
  return useMutation({
    meta: silent,
    mutationFn: ({ id, phone }: { id: string; phone: string }) =>
      api<PairingCode>(`/instances/${id}/pair-phone`, { json: { phone } }),
  });
}

/**
 * While the connect dialog is open and not paired: GET /qr (the code rotates) or GET /status
 * (pairing by phone), every SESSION_POLL_MS. Both answers carry the status.
 */
export function useSessionPoll(id: string, mode: "qr" | "status", enabled: boolean) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: keys.instanceSession(id, mode),
    queryFn: async ({ signal }) => {
      const conn = await api<InstanceConnection>(`/instances/${id}/${mode}`, { signal });
      storeConnection(qc, conn);
      return conn;
    },
    enabled,
    refetchInterval: enabled ? SESSION_POLL_MS : false,
    refetchIntervalInBackground: false,
    staleTime: 0,
    gcTime: 0,
    retry: false,
    meta: silent,
  });
}
