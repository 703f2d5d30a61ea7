// Team management (issue 12): members (admins), own password, own sessions.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import { keys } from "./keys";
import type { components } from "./schema";
import type { Me, Member, Role } from "./types";

type S = components["schemas"];
export type MemberChanged = S["MemberChanged"];
export type OpenConversation = S["OpenConversationRead"];
export type SessionInfo = S["SessionRead"];

const sessionsKey = ["auth", "sessions"] as const;

/** POST /users (admins): the password given is temporary. */
export function useAddMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; name: string; role: Role; password: string }) =>
      api<Member>("/users", { json: body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.users() }),
    meta: { silent: true },
  });
}

/** PATCH /users/{id} (admins): name, role, active. */
export function useUpdateMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name?: string; role?: Role; active?: boolean }) =>
      api<MemberChanged>(`/users/${id}`, { method: "PATCH", json: body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.users() }),
    meta: { silent: true },
  });
}

/** POST /users/{id}/password (admins): a temporary password; the member's sessions end. */
export function useTemporaryPassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, password }: { id: string; password: string }) =>
      api<Member>(`/users/${id}/password`, { json: { password } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.users() }),
    meta: { silent: true },
  });
}

/** POST /auth/password: own password (the current one needed); clears mustChangePassword. */
export function useChangePassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      api<void>("/auth/password", { json: body }),
    onSuccess: () => {
      qc.setQueryData<Me | null>(keys.me(), (me) => (me ? { ...me, mustChangePassword: false } : me));
      void qc.invalidateQueries({ queryKey: sessionsKey });
    },
    meta: { silent: true },
  });
}

/** GET /auth/sessions: own sessions, newest first. */
export function useSessions() {
  return useQuery({
    queryKey: sessionsKey,
    queryFn: ({ signal }) => api<SessionInfo[]>("/auth/sessions", { signal }),
  });
}

/** DELETE /auth/sessions/{id} */
export function useRevokeSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/auth/sessions/${id}`, { method: "DELETE" }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: sessionsKey }),
  });
}
