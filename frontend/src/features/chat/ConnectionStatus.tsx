import { useT } from "../../i18n/i18n";
import { useConnectionStatus } from "../../realtime/RealtimeProvider";

/** connected / reconnecting / offline, with a manual retry. */
export function ConnectionStatus({ compact }: { compact?: boolean }) {
  const t = useT();
  const { state, reconnect } = useConnectionStatus();
  if (compact && state === "connected") return <span data-testid="connection-status" data-state={state} hidden />;
  const label =
    state === "connected"
      ? t("conn.connected")
      : state === "connecting"
        ? t("conn.connecting")
        : state === "offline"
          ? t("conn.offline")
          : t("conn.disconnected");
  return (
    <div className={`conn conn-${state}${compact ? " conn-banner" : ""}`} data-testid="connection-status" data-state={state} role="status" title={label}>
      <span className="conn-dot" aria-hidden />
      <span className={state === "connected" ? "conn-label sr-only" : "conn-label"}>{label}</span>
      {state === "disconnected" && (
        <button type="button" className="link-btn" onClick={reconnect} data-testid="reconnect-button">
          {t("conn.retry")}
        </button>
      )}
    </div>
  );
}
