import { useCallback } from "react";
import { useMe } from "../../api/auth";
import { showToast } from "../../components/ui/toast";
import { useLang, useT } from "../../i18n/i18n";
import { formatFileSize } from "../../lib/time";

/** Why a file cannot be attached, or null: empty, or larger than the server takes (0 = unknown limit). */
export function uploadProblem(file: { size: number }, maxBytes: number): "empty" | "tooLarge" | null {
  if (file.size === 0) return "empty";
  if (maxBytes > 0 && file.size > maxBytes) return "tooLarge";
  return null;
}

/** A file setter that refuses, with a toast, what the server would refuse only after the whole upload. */
export function useCheckedFile(setFile: (f: File | null) => void): (f: File | null) => void {
  const t = useT();
  const [lang] = useLang();
  const { data: me } = useMe();
  const max = me?.maxUploadBytes ?? 0;
  return useCallback(
    (f: File | null) => {
      const problem = f ? uploadProblem(f, max) : null;
      if (f && problem === "tooLarge") {
        showToast(t("upload.tooLarge", { name: f.name, size: formatFileSize(f.size, lang), max: formatFileSize(max, lang) }));
        return;
      }
      if (f && problem === "empty") {
        showToast(t("upload.empty", { name: f.name }));
        return;
      }
      setFile(f);
    },
    [max, setFile, t, lang],
  );
}
