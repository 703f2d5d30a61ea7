// API tokens for integrations (admins): GET/POST /api-tokens, DELETE /api-tokens/{id}.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import type { components } from "./schema";

type S = components["schemas"];
export type ApiToken = S["ApiTokenRead"];
export type ApiTokenCreated = S["ApiTokenCreated"];
export type ApiTokenCreate = S["ApiTokenCreate"];

export const apiTokensKey = ["api-tokens"] as const;

/** GET /api-tokens: the organization's tokens (never their secrets). */
export function useApiTokens() {
  return useQuery({
    queryKey: apiTokensKey,
    queryFn: ({ signal }) => api<ApiToken[]>("/api-tokens", { signal }),
  });
}

/** POST /api-tokens: answers the secret, this once. */
export function useCreateApiToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiTokenCreate) => api<ApiTokenCreated>("/api-tokens", { json: body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: apiTokensKey }),
    meta: { silent: true },
  });
}

/** DELETE /api-tokens/{id}: the token answers 401 api_token_revoked from now on. */
export function useRevokeApiToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api-tokens/${id}`, { method: "DELETE" }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: apiTokensKey }),
  });
}
