import type { MessageStatus } from "../../api/types";
import { useT } from "../../i18n/i18n";

/** WhatsApp-style delivery marks: clock, ✓, ✓✓, blue ✓✓, red ! */
export function Ticks({ status, small }: { status: MessageStatus; small?: boolean }) {
  const t = useT();
  const label = t(`msg.status.${status}`);
  const size = small ? 14 : 16;
  const common = { className: `ticks ticks-${status.toLowerCase()}`, "data-status": status, role: "img", "aria-label": label } as const;
  if (status === "PENDING") {
    return (
      <svg {...common} width={size} height={size} viewBox="0 0 16 16">
        <title>{label}</title>
        <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.4" />
        <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
      </svg>
    );
  }
  if (status === "UNKNOWN") {
    return (
      <svg {...common} width={size} height={size} viewBox="0 0 16 16">
        <title>{label}</title>
        <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.4" />
        <path d="M6.3 6.4a1.8 1.8 0 1 1 2.4 1.7c-.5.2-.7.5-.7 1v.4M8 11.3v.2" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
      </svg>
    );
  }
  if (status === "FAILED") {
    return (
      <svg {...common} width={size} height={size} viewBox="0 0 16 16">
        <title>{label}</title>
        <circle cx="8" cy="8" r="7" fill="currentColor" />
        <path d="M8 4v5M8 11v1" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
    );
  }
  const double = status === "DELIVERED" || status === "READ";
  return (
    <svg {...common} width={double ? size + 4 : size} height={size} viewBox={double ? "0 0 20 16" : "0 0 16 16"}>
      <title>{label}</title>
      <path d="M1.5 8.5l3.5 3.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      {double && <path d="M8.5 11.5l.5.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />}
    </svg>
  );
}
