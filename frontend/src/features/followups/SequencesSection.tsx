// Settings → Follow-up (admins): sequences with ordered steps (delay after the previous step, the
// message with {nome}, {primeiro_nome}, {atendente}) and the final wait; a used one is archived.
import { useState, type FormEvent } from "react";
import {
  uploadStepMedia,
  useCreateSequence,
  useDeleteSequence,
  useSequences,
  useUpdateSequence,
  type Sequence,
  type StepMedia,
} from "../../api/followups";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { fromMinutes, toMinutes, type DelayUnit } from "./plan";

interface StepDraft {
  value: number;
  unit: DelayUnit;
  content: string;
  media: StepMedia | null; // a file sent with the step (its text the caption)
}

const UNITS: DelayUnit[] = ["minutes", "hours", "days"];

function Editor({ initial, onDone }: { initial: Sequence | null; onDone: () => void }) {
  const t = useT();
  const create = useCreateSequence();
  const update = useUpdateSequence();
  const [name, setName] = useState(initial?.name ?? "");
  const [steps, setSteps] = useState<StepDraft[]>(
    initial?.steps.map((s) => ({ ...fromMinutes(s.delayMinutes), content: s.content, media: s.media ?? null })) ?? [
      { value: 1, unit: "days", content: "", media: null },
    ],
  );
  const [finalWait, setFinalWait] = useState(() => fromMinutes(initial?.finalWaitMinutes ?? 1440));
  const [uploading, setUploading] = useState(0);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const error = create.error ?? update.error ?? uploadError;
  const set = (i: number, patch: Partial<StepDraft>) => setSteps((all) => all.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      name: name.trim(),
      steps: steps.map((s) => ({
        delayMinutes: toMinutes(s.value, s.unit),
        content: s.content,
        media: s.media ? { ref: s.media.ref, name: s.media.name, mime: s.media.mime } : null,
      })),
      finalWaitMinutes: toMinutes(finalWait.value, finalWait.unit),
    };
    if (initial) update.mutate({ id: initial.id, ...body }, { onSuccess: onDone });
    else create.mutate(body, { onSuccess: onDone });
  };
  const unitSelect = (unit: DelayUnit, onChange: (u: DelayUnit) => void, testId: string) => (
    <select value={unit} onChange={(e) => onChange(e.target.value as DelayUnit)} data-testid={testId}>
      {UNITS.map((u) => (
        <option key={u} value={u}>
          {t(`followUp.unit.${u}`)}
        </option>
      ))}
    </select>
  );
  return (
    <form className="quick-editor" onSubmit={submit} data-testid="sequence-form">
      <label>
        {t("followUp.name")}
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={120} required data-testid="sequence-name" />
      </label>
      {steps.map((s, i) => (
        <fieldset key={i} className="sequence-step" data-testid="sequence-step">
          <legend>{t("followUp.stepN", { n: i + 1 })}</legend>
          <div className="row">
            <span>{t(i === 0 ? "followUp.afterStart" : "followUp.afterPrevious")}</span>
            <input type="number" min={1} value={s.value} onChange={(e) => set(i, { value: Number(e.target.value) })} data-testid="sequence-step-delay" style={{ width: 80 }} />
            {unitSelect(s.unit, (unit) => set(i, { unit }), "sequence-step-unit")}
            {steps.length > 1 && (
              <button type="button" className="link-btn danger" onClick={() => setSteps((all) => all.filter((_, j) => j !== i))}>
                {t("followUp.removeStep")}
              </button>
            )}
          </div>
          <textarea value={s.content} onChange={(e) => set(i, { content: e.target.value })} rows={2} required maxLength={4096} data-testid="sequence-step-content" />
          {s.media ? (
            <div className="row" data-testid="sequence-step-file">
              <span>📎 {s.media.name ?? s.media.ref}</span>
              <button type="button" className="link-btn danger" onClick={() => set(i, { media: null })}>
                {t("followUp.removeFile")}
              </button>
            </div>
          ) : (
            <label>
              {t("followUp.stepFile")}
              <input
                type="file"
                data-testid="sequence-step-file-input"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (!file) return;
                  setUploading((n) => n + 1);
                  setUploadError(null);
                  uploadStepMedia(file)
                    .then((media) => set(i, { media }))
                    .catch((err: unknown) => setUploadError(err))
                    .finally(() => setUploading((n) => n - 1));
                }}
              />
            </label>
          )}
        </fieldset>
      ))}
      <p className="hint">{t("quick.variablesHint")}</p>
      <button type="button" className="btn" onClick={() => setSteps((all) => [...all, { value: 1, unit: "days", content: "", media: null }])} data-testid="sequence-add-step">
        {t("followUp.addStep")}
      </button>
      <div className="row">
        <span>{t("followUp.finalWait")}</span>
        <input type="number" min={1} value={finalWait.value} onChange={(e) => setFinalWait({ ...finalWait, value: Number(e.target.value) })} style={{ width: 80 }} data-testid="sequence-final-wait" />
        {unitSelect(finalWait.unit, (unit) => setFinalWait({ ...finalWait, unit }), "sequence-final-unit")}
      </div>
      {error != null && (
        <p className="form-error" role="alert">
          {errorMessage(error, t)}
        </p>
      )}
      <div className="row">
        <button className="btn primary" disabled={create.isPending || update.isPending || uploading > 0} data-testid="sequence-save">
          {t("common.save")}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

export function SequencesSection() {
  const t = useT();
  const list = useSequences(true);
  const update = useUpdateSequence();
  const remove = useDeleteSequence();
  const [editing, setEditing] = useState<Sequence | "new" | null>(null);
  return (
    <section className="card" data-testid="sequences-section">
      <h2>{t("followUp.title")}</h2>
      <p className="hint">{t("followUp.hint")}</p>
      {list.isError && <p className="form-error">{errorMessage(list.error, t)}</p>}
      {list.data?.length === 0 && <p className="hint">{t("followUp.empty")}</p>}
      {(remove.error ?? update.error) && <p className="form-error">{errorMessage(remove.error ?? update.error, t)}</p>}
      <ul className="quick-list">
        {list.data?.map((s) =>
          editing !== "new" && editing?.id === s.id ? (
            <li key={s.id}>
              <Editor initial={s} onDone={() => setEditing(null)} />
            </li>
          ) : (
            <li key={s.id} data-testid="sequence-row">
              <div className="quick-main">
                <strong>{s.name}</strong>
                {s.archived && <span className="chip">{t("followUp.archived")}</span>}
                <p>{t("followUp.stepsCount", { count: s.steps.length })}</p>
              </div>
              <div className="row">
                <button className="link-btn" onClick={() => setEditing(s)}>
                  {t("common.edit")}
                </button>
                {s.inUse || s.archived ? (
                  <button className="link-btn" disabled={update.isPending} onClick={() => update.mutate({ id: s.id, archived: !s.archived })}>
                    {t(s.archived ? "followUp.restore" : "followUp.archive")}
                  </button>
                ) : (
                  <button className="link-btn danger" disabled={remove.isPending} onClick={() => remove.mutate(s.id)}>
                    {t("quick.delete")}
                  </button>
                )}
              </div>
            </li>
          ),
        )}
      </ul>
      {editing === "new" ? (
        <Editor initial={null} onDone={() => setEditing(null)} />
      ) : (
        <button className="btn" onClick={() => setEditing("new")} data-testid="sequence-add">
          {t("followUp.add")}
        </button>
      )}
    </section>
  );
}
