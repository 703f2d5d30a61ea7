import { Dialog } from "../../components/ui/Dialog";
import { useT } from "../../i18n/i18n";
import type { MessageKey } from "../../i18n/ptBR";

/** The keyboard shortcuts, opened with "?". */
export const SHORTCUTS: readonly { keys: string[]; label: MessageKey }[] = [
  { keys: ["Alt", "J"], label: "shortcuts.next" },
  { keys: ["Alt", "K"], label: "shortcuts.previous" },
  { keys: ["Ctrl", "K"], label: "shortcuts.search" },
  { keys: ["Alt", "E"], label: "shortcuts.close" },
  { keys: ["Ctrl", "Alt", "E"], label: "shortcuts.closeNext" },
  { keys: ["/"], label: "shortcuts.quickReply" },
  { keys: ["Enter"], label: "shortcuts.send" },
  { keys: ["Shift", "Enter"], label: "shortcuts.newLine" },
  { keys: ["Esc"], label: "shortcuts.back" },
  { keys: ["?"], label: "shortcuts.help" },
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  return (
    <Dialog open={open} title={t("shortcuts.title")} onClose={onClose} testId="shortcuts-dialog">
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.label} className="shortcut-row">
            <dt>
              {s.keys.map((k, i) => (
                <span key={k}>
                  {i > 0 && " + "}
                  <kbd>{k}</kbd>
                </span>
              ))}
            </dt>
            <dd>{t(s.label)}</dd>
          </div>
        ))}
      </dl>
      <p className="muted small">{t("shortcuts.mac")}</p>
      <div className="dialog-actions">
        <button type="button" className="btn btn-primary" onClick={onClose} data-testid="shortcuts-close">
          {t("common.close")}
        </button>
      </div>
    </Dialog>
  );
}
