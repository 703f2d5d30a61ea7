import { useState, type FormEvent } from "react";
import { useDeleteInstance, useRenameInstance, useSessionAction } from "../../api/instances";
import type { Instance } from "../../api/types";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { InstanceStatusChip } from "../../components/ui/InstanceStatusChip";
import { showToast } from "../../components/ui/toast";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { formatPhone } from "../../lib/phone";
import { Link } from "../../router";
import { ConnectDialog } from "./ConnectDialog";
import { InstanceHistory } from "./InstanceHistory";

type Confirm = "delete" | "logout" | null;

/** One WhatsApp number: status, webhook (admins) and, for admins, its session actions. */
export function InstanceRow({ instance: i, isAdmin }: { instance: Instance; isAdmin: boolean }) {
  const t = useT();
  const session = useSessionAction();
  const rename = useRenameInstance();
  const remove = useDeleteInstance();
  const [connecting, setConnecting] = useState(false);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(i.name);

  const error = session.error ?? rename.error;
  const busy = session.isPending || rename.isPending || remove.isPending;

  const submitRename = (e: FormEvent) => {
    e.preventDefault();
    const next = name.trim();
    if (!next || next === i.name) return setEditing(false);
    rename.mutate({ id: i.id, name: next }, { onSuccess: () => setEditing(false) });
  };

  const copyWebhook = async () => {
    if (!i.webhookUrl) return;
    try {
      await navigator.clipboard.writeText(i.webhookUrl);
      showToast(t("settings.copied"), "success", 2500);
    } catch {
      window.prompt(t("settings.webhook"), i.webhookUrl); // clipboard blocked (plain http): let them copy by hand
    }
  };

  const closeConfirm = () => {
    setConfirm(null);
    remove.reset();
    session.reset();
  };

  return (
    <li className="instance-row" data-testid="instance-row" data-instance-id={i.id} data-status={i.status}>
      <div className="instance-main">
        <div className="instance-title">
          {editing ? (
            <form onSubmit={submitRename} className="rename-form">
              <input
                value={name}
                onChange={(e) => setName(e.target.value)}
                maxLength={200}
                autoFocus
                aria-label={t("instance.name")}
                data-testid="instance-rename-input"
                onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
              />
              <button type="submit" className="btn btn-small btn-primary" disabled={rename.isPending} data-testid="instance-rename-save">
                {t("common.save")}
              </button>
              <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
                {t("common.cancel")}
              </button>
            </form>
          ) : (
            <Link href={`/inbox/instance/${i.id}`} data-testid="instance-name">
              <strong>{i.name}</strong>
            </Link>
          )}
          {i.isDemo && (
            <span className="chip chip-demo" data-testid="instance-demo">
              {t("settings.demo")}
            </span>
          )}
        </div>
        <div className="muted" data-testid="instance-phone">
          {i.phone ? formatPhone(i.phone) : t("instance.noPhone")}
        </div>
        {i.webhookUrl && (
          <div className="webhook muted small">
            <span>{t("settings.webhook")}:</span>
            <code data-testid="instance-webhook">{i.webhookUrl}</code>
            <button type="button" className="link-btn" onClick={() => void copyWebhook()} data-testid="instance-copy-webhook">
              {t("settings.copy")}
            </button>
          </div>
        )}
        <InstanceHistory instance={i} isAdmin={isAdmin} />
        {isAdmin && (
          <div className="instance-actions">
            {i.status !== "connected" && (
              <button type="button" className="btn btn-small btn-primary" onClick={() => setConnecting(true)} disabled={busy} data-testid="instance-connect">
                {t("instance.connect")}
              </button>
            )}
            {i.status === "connected" && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => session.mutate({ id: i.id, action: "disconnect" })}
                disabled={busy}
                data-testid="instance-disconnect"
              >
                {t("instance.disconnect")}
              </button>
            )}
            {i.status !== "logged_out" && (
              <button type="button" className="btn btn-small" onClick={() => setConfirm("logout")} disabled={busy} data-testid="instance-logout">
                {t("instance.logout")}
              </button>
            )}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                setName(i.name);
                setEditing(true);
              }}
              disabled={busy || editing}
              data-testid="instance-rename"
            >
              {t("instance.rename")}
            </button>
            <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirm("delete")} disabled={busy} data-testid="instance-delete">
              {t("instance.delete")}
            </button>
          </div>
        )}
        {error && !confirm && (
          <p className="form-error small" role="alert" data-testid="instance-error">
            {errorMessage(error, t)}
          </p>
        )}
      </div>
      <InstanceStatusChip status={i.status} />
      {connecting && <ConnectDialog instance={i} onClose={() => setConnecting(false)} />}
      <ConfirmDialog
        open={confirm !== null}
        title={t(confirm === "delete" ? "instance.deleteTitle" : "instance.logoutTitle")}
        body={t(confirm === "delete" ? "instance.deleteBody" : "instance.logoutBody", { name: i.name })}
        confirmLabel={t(confirm === "delete" ? "instance.delete" : "instance.logout")}
        danger
        busy={busy}
        error={confirm === "delete" ? remove.error && errorMessage(remove.error, t) : session.error && errorMessage(session.error, t)}
        onCancel={closeConfirm}
        onConfirm={() => {
          if (confirm === "delete") remove.mutate(i.id, { onSuccess: () => setConfirm(null) });
          else session.mutate({ id: i.id, action: "logout" }, { onSuccess: () => setConfirm(null) });
        }}
        testId={`confirm-${confirm ?? "none"}`}
      />
    </li>
  );
}
