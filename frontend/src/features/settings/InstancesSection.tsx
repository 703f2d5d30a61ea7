import { useState } from "react";
import { useInstances } from "../../api/instances";
import { showToast } from "../../components/ui/toast";
import { useT } from "../../i18n/i18n";
import { AddInstanceForm } from "./AddInstanceForm";
import { InstanceRow } from "./InstanceRow";

/** WhatsApp numbers: admins add and manage them, agents see them read-only. */
export function InstancesSection({ isAdmin }: { isAdmin: boolean }) {
  const t = useT();
  const { data: instances, isPending } = useInstances();
  const [adding, setAdding] = useState(false);
  return (
    <section className="card" aria-labelledby="instances-title">
      <div className="card-head">
        <h2 id="instances-title">{t("settings.instances")}</h2>
        {isAdmin && !adding && (
          <button type="button" className="btn btn-small btn-primary" onClick={() => setAdding(true)} data-testid="add-instance-button">
            {t("instance.add")}
          </button>
        )}
      </div>
      {!isAdmin && <p className="muted small">{t("settings.readOnly")}</p>}
      {adding && (
        <AddInstanceForm
          onAdded={() => {
            setAdding(false);
            showToast(t("instance.added"), "success");
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      {isPending && <p>{t("common.loading")}</p>}
      {instances?.length === 0 && <p>{t("settings.noInstances")}</p>}
      <ul className="instance-list" data-testid="instance-list">
        {instances?.map((i) => <InstanceRow key={i.id} instance={i} isAdmin={isAdmin} />)}
      </ul>
    </section>
  );
}
