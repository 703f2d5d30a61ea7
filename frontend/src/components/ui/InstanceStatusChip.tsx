import type { InstanceStatus } from "../../api/types";
import { useT } from "../../i18n/i18n";

/** connected / disconnected / QR / logged out / unknown, colour-coded. */
export function InstanceStatusChip({ status }: { status: InstanceStatus }) {
  const t = useT();
  return (
    <span className={`chip chip-instance-${status}`} data-testid="instance-status" data-status={status}>
      {t(`instance.${status}`)}
    </span>
  );
}
