import { useQuery } from "@tanstack/react-query";
import { api } from "./client";
import { keys } from "./keys";
import type { Instance } from "./types";

/** GET /instances */
export function useInstances() {
  return useQuery({
    queryKey: keys.instances(),
    queryFn: ({ signal }) => api<Instance[]>("/instances", { signal }),
    staleTime: 60_000,
  });
}
