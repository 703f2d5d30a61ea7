import { LANGS, useLang, useT, type Lang } from "../../i18n/i18n";

const LABELS: Record<Lang, string> = { "pt-BR": "Português (Brasil)", en: "English" };

export function LanguageSwitch() {
  const [lang, setLang] = useLang();
  const t = useT();
  return (
    <label className="lang-switch">
      <span>{t("common.language")}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language-switch">
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {LABELS[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
