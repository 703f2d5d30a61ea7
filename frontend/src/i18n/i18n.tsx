import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en } from "./en";
import { ptBR, type MessageKey } from "./ptBR";

export type Lang = "pt-BR" | "en";
export const LANGS: Lang[] = ["pt-BR", "en"];
export const dictionaries: Record<Lang, Record<MessageKey, string>> = { "pt-BR": ptBR, en };
const STORAGE_KEY = "whatrack.lang";

export type Vars = Record<string, string | number>;
export type TFunction = (key: MessageKey, vars?: Vars) => string;

export function interpolate(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  return interpolate(dictionaries[lang][key] ?? ptBR[key] ?? key, vars);
}

export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "pt-BR" || saved === "en") return saved;
  } catch {
    /* storage blocked */
  }
  return "pt-BR";
}

interface I18nValue {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: TFunction;
}

const I18nContext = createContext<I18nValue>({
  lang: "pt-BR",
  setLang: () => undefined,
  t: (k, v) => translate("pt-BR", k, v),
});

// Non-React code (toasts from the query cache, notifications) reads the current language here.
let currentLang: Lang = "pt-BR";
export function tNow(key: MessageKey, vars?: Vars): string {
  return translate(currentLang, key, vars);
}

export function I18nProvider({ children, lang: forced }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => forced ?? initialLang());
  currentLang = lang;
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* ignore */
    }
  }, []);
  const t = useCallback<TFunction>((key, vars) => translate(lang, key, vars), [lang]);
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useT(): TFunction {
  return useContext(I18nContext).t;
}

export function useLang(): [Lang, (l: Lang) => void] {
  const { lang, setLang } = useContext(I18nContext);
  return [lang, setLang];
}

export type { MessageKey };
