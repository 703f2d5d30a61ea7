import { useT } from "../../i18n/i18n";
import { Dialog } from "./Dialog";

/** Yes/no question; `error` shows why the confirmed action failed (the dialog stays open). */
export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  busy,
  error,
  danger,
  onConfirm,
  onCancel,
  testId,
}: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  busy?: boolean;
  error?: string | null;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const t = useT();
  return (
    <Dialog open={open} title={title} onClose={onCancel} testId={testId}>
      <div className="close-form">
        <p>{body}</p>
        {error && (
          <p className="form-error" role="alert" data-testid="confirm-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            {t("common.cancel")}
          </button>
          <button
            type="button"
            className={danger ? "btn btn-danger" : "btn btn-primary"}
            onClick={onConfirm}
            disabled={busy}
            data-testid="confirm-button"
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
