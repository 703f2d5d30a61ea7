import { useMemo } from "react";
import { useMe } from "../api/auth";
import { formatDate, formatDateTime, formatDaySeparator, formatListTime, formatTime, dayKey } from "../lib/time";
import { useLang, useT } from "./i18n";

/** Date formatters bound to the organization's time zone and the UI language. */
export function useFormat() {
  const { data: me } = useMe();
  const [lang] = useLang();
  const t = useT();
  const timeZone = me?.organization.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  return useMemo(() => {
    const o = { timeZone, locale: lang };
    const labels = { today: t("common.today"), yesterday: t("common.yesterday") };
    return {
      timeZone,
      locale: lang,
      time: (v: string) => formatTime(v, o),
      dateTime: (v: string) => formatDateTime(v, o),
      date: (v: string) => formatDate(v, o),
      day: (v: string) => formatDaySeparator(v, { ...o, now: new Date() }, labels),
      listTime: (v: string) => formatListTime(v, { ...o, now: new Date() }, labels),
      dayKey: (v: string) => dayKey(v, timeZone),
    };
  }, [timeZone, lang, t]);
}
