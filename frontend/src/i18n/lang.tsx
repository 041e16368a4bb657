// Vietnamese first, English on request. Texts are written in place as t("Tiếng Việt", "English"): the
// Vietnamese is the source a reviewer reads in the code, and nothing can be left untranslated by a missing key.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { Lang } from "../lib/deadline";

const KEY = "edudx.lang";

interface LangContextValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
}

const LangContext = createContext<LangContextValue>({ lang: "vi", setLang: () => undefined });

function initialLang(): Lang {
  try {
    return localStorage.getItem(KEY) === "en" ? "en" : "vi";
  } catch {
    return "vi";
  }
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    localStorage.setItem(KEY, next);
    document.documentElement.lang = next;
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangContextValue {
  return useContext(LangContext);
}

export type Translate = (vi: string, en: string) => string;

export function useT(): Translate {
  const { lang } = useLang();
  return useCallback((vi: string, en: string) => (lang === "en" ? en : vi), [lang]);
}
