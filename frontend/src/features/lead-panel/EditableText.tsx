import { useEffect, useRef, useState } from "react";
import { useT } from "../../i18n/i18n";

interface Props {
  value: string;
  placeholder: string;
  label: string;
  saving: boolean;
  onSave: (v: string) => void;
  testId: string;
}

/** Click to edit, Enter/blur saves, Esc cancels. */
export function EditableText({ value, placeholder, label, saving, onSave, testId }: Props) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) ref.current?.select();
  }, [editing]);

  const commit = () => {
    setEditing(false);
    const v = draft.trim();
    if (v !== value.trim()) onSave(v);
  };

  if (!editing) {
    return (
      <button className="editable" onClick={() => {
          setDraft(value);
          setEditing(true);
        }} title={t("common.edit")} aria-label={`${label}: ${value || placeholder}`} data-testid={testId}>
        <span className={value ? "editable-value" : "editable-value muted"}>{value || placeholder}</span>
        <span className="editable-pen" aria-hidden>
          ✎
        </span>
      </button>
    );
  }
  return (
    <input
      ref={ref}
      className="editable-input"
      value={draft}
      disabled={saving}
      aria-label={label}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          setDraft(value);
          setEditing(false);
        }
      }}
      data-testid={`${testId}-input`}
    />
  );
}
