import { useInstances } from "../../api/instances";
import type { Instance } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { Link } from "../../router";

/** Instances of the current view that cannot send: the selected one, or any of them for "all". */
export function downInstances(instances: Instance[] | undefined, instanceId: string | null): Instance[] {
  if (!instances) return [];
  return instances.filter((i) => (instanceId === null || i.id === instanceId) && i.status !== "connected");
}

/**
 * "WhatsApp desconectado — as mensagens não serão enviadas", with a link to the settings.
 * Driven by the instances query, which `instance_updated` keeps live. "unknown" (WuzAPI
 * unreachable or the token rejected at the last check) gets a softer sentence.
 */
export function DisconnectedBanner({ instanceId }: { instanceId: string | null }) {
  const t = useT();
  const { data: instances } = useInstances();
  const down = downInstances(instances, instanceId);
  if (down.length === 0) return null;
  const onlyUnknown = down.every((i) => i.status === "unknown");
  const status = onlyUnknown ? "unknown" : (down.find((i) => i.status !== "unknown")?.status ?? "disconnected");
  // Name them when the view spans several numbers (or the selected one is not obvious).
  const names = instanceId === null && (instances?.length ?? 0) > 1 ? down.map((i) => i.name).join(", ") : "";
  return (
    <div
      className={`wa-banner${onlyUnknown ? " wa-banner-unknown" : ""}`}
      role="alert"
      data-testid="disconnected-banner"
      data-status={status}
      data-instance-ids={down.map((i) => i.id).join(",")}
    >
      <span>
        <strong>{t(onlyUnknown ? "banner.unknown" : "banner.disconnected")}</strong>
        {names && <span className="wa-banner-names"> ({names})</span>}
      </span>
      <Link href="/settings" className="link-btn" data-testid="disconnected-banner-link">
        {t("banner.settings")}
      </Link>
    </div>
  );
}
