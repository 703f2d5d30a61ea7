import { useCallback, useEffect, useRef, useState } from "react";
import { storage } from "../../lib/storage";

export const draftKey = (conversationId: string) => `whatrack.draft.${conversationId}`;

/** Text typed but not sent, kept per conversation across reloads. */
export function useDraft(conversationId: string): [string, (v: string) => void] {
  const [value, setValue] = useState(() => storage.get(draftKey(conversationId)) ?? "");
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(value);

  const persist = useCallback(() => {
    if (latest.current) storage.set(draftKey(conversationId), latest.current);
    else storage.remove(draftKey(conversationId));
  }, [conversationId]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      persist();
    },
    [persist],
  );

  const set = useCallback(
    (v: string) => {
      setValue(v);
      latest.current = v;
      if (timer.current) clearTimeout(timer.current);
      if (!v) persist();
      else timer.current = setTimeout(persist, 300);
    },
    [persist],
  );
  return [value, set];
}
