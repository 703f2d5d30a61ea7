import { useState } from "react";
import { useT } from "../../i18n/i18n";

export function NotesEditor({ value, saving, onSave }: { value: string; saving: boolean; onSave: (v: string) => void }) {
  const t = useT();
  const [draft, setDraft] = useState(value);
  const [focused, setFocused] = useState(false);
  // While focused the draft is shown; otherwise the saved value (which may change under us).
  const dirty = focused && draft !== value;
  return (
    <div className="notes">
      <textarea
        value={focused ? draft : value}
        rows={5}
        placeholder={t("lead.notesPlaceholder")}
        onChange={(e) => setDraft(e.target.value)}
        onFocus={() => {
          setDraft(value);
          setFocused(true);
        }}
        onBlur={() => {
          setFocused(false);
          if (dirty) onSave(draft);
        }}
        data-testid="lead-notes"
        aria-label={t("lead.notes")}
      />
      {dirty && (
        <button className="btn btn-small btn-primary" disabled={saving} onMouseDown={(e) => e.preventDefault()} onClick={() => onSave(draft)}>
          {t("common.save")}
        </button>
      )}
    </div>
  );
}
