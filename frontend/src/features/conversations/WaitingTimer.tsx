import { useEffect, useState } from "react";
import { useT } from "../../i18n/i18n";
import { DEFAULT_WAITING_THRESHOLDS, formatWaited, waitedMinutes, waitingLevel, type WaitingThresholds } from "./waiting";

/** A row's "waiting for a reply" timer: refreshed every 30 s, amber then red past the thresholds. */
export function WaitingTimer({
  since,
  thresholds = DEFAULT_WAITING_THRESHOLDS,
}: {
  since: string;
  thresholds?: WaitingThresholds;
}) {
  const t = useT();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(id);
  }, []);
  const minutes = waitedMinutes(since, now);
  const text = formatWaited(minutes);
  return (
    <span
      className={`waiting-timer ${waitingLevel(minutes, thresholds)}`}
      title={t("list.waiting", { time: text })}
      aria-label={t("list.waiting", { time: text })}
      data-testid="waiting-timer"
      data-level={waitingLevel(minutes, thresholds)}
    >
      ⏱ {text}
    </span>
  );
}
