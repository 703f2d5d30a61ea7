import { useState, type FormEvent } from "react";
import { useInstanceHistoryDays } from "../../api/instances";
import type { Instance } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

/**
 * History of one number: the warning when its WuzAPI keeps no message history (the app's
 * recovery got 501: messages sent while the app is down can be lost), and, for admins, how many
 * days of WhatsApp history to import at the next pairing (0 = none).
 */
export function InstanceHistory({ instance: i, isAdmin }: { instance: Instance; isAdmin: boolean }) {
  const t = useT();
  const save = useInstanceHistoryDays();
  const [days, setDays] = useState(String(i.historyDays));
  const parsed = Number(days);
  const valid = days.trim() !== "" && Number.isInteger(parsed) && parsed >= 0 && parsed <= 365;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid && parsed !== i.historyDays) save.mutate({ id: i.id, historyDays: parsed });
  };

  return (
    <>
      {i.wuzapiHistory === false && !i.isDemo && (
        <p className="notice notice-warning small" role="note" data-testid="instance-no-history">
          {t("instance.noHistoryWarning")}
        </p>
      )}
      {isAdmin && !i.isDemo && (
        <form className="history-days small" onSubmit={submit} data-testid="instance-history-form">
          <label>
            {t("instance.historyDays")}{" "}
            <input
              type="number"
              min={0}
              max={365}
              step={1}
              value={days}
              onChange={(e) => setDays(e.target.value)}
              aria-invalid={!valid}
              data-testid="instance-history-days"
            />
          </label>
          <button type="submit" className="btn btn-small" disabled={!valid || parsed === i.historyDays || save.isPending}>
            {t("common.save")}
          </button>
          <span className="muted">{t("instance.historyDaysHint")}</span>
          {save.error && (
            <span className="form-error" role="alert">
              {errorMessage(save.error, t)}
            </span>
          )}
        </form>
      )}
    </>
  );
}
