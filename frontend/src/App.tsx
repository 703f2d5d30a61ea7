import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError, NetworkError, onUnauthorized } from "./api/client";
import { keys } from "./api/keys";
import { Toaster, showToast } from "./components/ui/toast";
import { I18nProvider, tNow } from "./i18n/i18n";
import { errorMessage } from "./lib/errors";
import { AppRoutes } from "./AppRoutes";

declare module "@tanstack/react-query" {
  interface Register {
    queryMeta: { silent?: boolean };
    mutationMeta: { silent?: boolean };
  }
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (err, query) => {
        if (query.meta?.silent) return;
        showToast(errorMessage(err, tNow));
      },
    }),
    mutationCache: new MutationCache({
      onError: (err, _v, _c, mutation) => {
        if (mutation.meta?.silent) return;
        showToast(errorMessage(err, tNow));
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 20_000,
        retry: (count, err) => {
          if (err instanceof ApiError && err.status < 500) return false;
          if (err instanceof NetworkError) return count < 2;
          return count < 1;
        },
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}

export function App() {
  const [qc] = useState(createQueryClient);
  useEffect(() => {
    // Session gone (expired, logged out elsewhere): back to the login page.
    onUnauthorized(() => qc.setQueryData(keys.me(), null));
    return () => onUnauthorized(null);
  }, [qc]);
  return (
    <I18nProvider>
      <QueryClientProvider client={qc}>
        <AppRoutes />
        <Toaster />
      </QueryClientProvider>
    </I18nProvider>
  );
}
