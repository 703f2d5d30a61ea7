import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo } from "react";
import { useMe } from "../../api/auth";
import { useRetryMessage } from "../../api/messages";
import { isLocalId } from "../../api/outbox";
import type { Message } from "../../api/types";
import { showToast } from "../../components/ui/toast";
import { tNow } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { defaultDeps, flushOutbox, retryLocal, sendMessage, type SendInput, type SendDeps } from "./sendFlow";

function useSendDeps(): SendDeps {
  const { data: me } = useMe();
  const meId = me?.user.id ?? null;
  return useMemo(
    () => defaultDeps((err) => showToast(`${tNow("errors.sendFailed")} ${errorMessage(err, tNow)}`), meId),
    [meId],
  );
}

export function useSend(): (input: Omit<SendInput, "sender">) => void {
  const qc = useQueryClient();
  const deps = useSendDeps();
  const { data: me } = useMe();
  return useCallback(
    (input) => {
      const sender = { id: me?.user.id ?? "", name: me?.user.name ?? "" };
      void sendMessage(qc, { ...input, sender }, deps);
    },
    [qc, deps, me],
  );
}

/** Retry a FAILED message: never-saved ones are re-POSTed, saved ones go to /retry. */
export function useRetry(): (m: Message) => void {
  const qc = useQueryClient();
  const deps = useSendDeps();
  const retry = useRetryMessage();
  return useCallback(
    (m: Message) => {
      if (isLocalId(m.id)) void retryLocal(qc, m, deps);
      else retry.mutate(m);
    },
    [qc, deps, retry],
  );
}

/** Messages typed while offline go out when the browser is back online. */
export function useOutboxFlush(): void {
  const qc = useQueryClient();
  const deps = useSendDeps();
  useEffect(() => {
    const onOnline = () => flushOutbox(qc, deps);
    window.addEventListener("online", onOnline);
    return () => window.removeEventListener("online", onOnline);
  }, [qc, deps]);
}
