import { useEffect, useRef, useState, type FormEvent } from "react";
import { usePairPhone, useSessionAction, useSessionPoll } from "../../api/instances";
import type { Instance } from "../../api/types";
import { Dialog } from "../../components/ui/Dialog";
import { InstanceStatusChip } from "../../components/ui/InstanceStatusChip";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

/**
 * Pairing: POST /connect when it opens, then the QR code (GET /qr every few seconds, it
 * rotates) or a linking code for "Parear por número" (GET /status polled). The status comes
 * from the instances cache, which `instance_updated` and the polls keep current.
 */
export function ConnectDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const t = useT();
  const connect = useSessionAction();
  const pair = usePairPhone();
  const [mode, setMode] = useState<"qr" | "phone">("qr");
  const [phone, setPhone] = useState("");
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    connect.mutate({ id: instance.id, action: "connect" });
  }, [connect, instance.id]);

  const connected = instance.status === "connected";
  const polling = !connected && (connect.isSuccess || pair.isSuccess);
  const qrPoll = useSessionPoll(instance.id, "qr", polling && mode === "qr");
  // The Connected webhook carries no phone number: read it from /status once paired.
  useSessionPoll(instance.id, "status", (polling && mode === "phone") || (connected && !instance.phone));
  const qrCode = qrPoll.data?.qrCode ?? connect.data?.qrCode ?? null;
  const error = connect.error ?? pair.error ?? (qrPoll.isError ? qrPoll.error : null);

  const submitPhone = (e: FormEvent) => {
    e.preventDefault();
    pair.mutate({ id: instance.id, phone });
  };

  return (
    <Dialog open title={t("instance.connectTitle", { name: instance.name })} onClose={onClose} testId="connect-dialog">
      <div className="connect-body" data-status={instance.status}>
        <InstanceStatusChip status={instance.status} />
        {connected ? (
          <p className="connect-ok" data-testid="instance-connected-message">
            {t("instance.nowConnected")}
          </p>
        ) : mode === "qr" ? (
          <>
            {connect.isPending && <p className="muted">{t("instance.connecting")}</p>}
            {qrCode ? (
              <img className="qr-img" src={qrCode} alt={t("instance.qrAlt")} data-testid="instance-qr" />
            ) : (
              connect.isSuccess && <p className="muted">{t("instance.qrWaiting")}</p>
            )}
            <p className="muted small">{t("instance.qrHint")}</p>
          </>
        ) : (
          <form className="pair-form" onSubmit={submitPhone}>
            <label>
              {t("instance.pairPhone")}
              <input
                type="tel"
                value={phone}
                onChange={(e) => setPhone(e.target.value)}
                required
                minLength={8}
                maxLength={24}
                data-testid="pair-phone-input"
              />
            </label>
            <button type="submit" className="btn btn-primary" disabled={pair.isPending} data-testid="pair-phone-submit">
              {t("instance.pairSubmit")}
            </button>
            {pair.data && (
              <div className="linking">
                <p className="muted small">{t("instance.linkingCode")}</p>
                <code className="linking-code" data-testid="linking-code">
                  {pair.data.linkingCode}
                </code>
              </div>
            )}
          </form>
        )}
        {error && !connected && (
          <p className="form-error" role="alert" data-testid="connect-error">
            {errorMessage(error, t)}
          </p>
        )}
        <div className="dialog-actions">
          {!connected && (
            <button
              type="button"
              className="btn"
              onClick={() => setMode(mode === "qr" ? "phone" : "qr")}
              data-testid="pair-mode-toggle"
            >
              {mode === "qr" ? t("instance.pairByPhone") : t("instance.useQr")}
            </button>
          )}
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid="connect-close">
            {t("common.close")}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
