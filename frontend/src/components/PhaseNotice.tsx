// The campaign's calendar as the school must read it: not open yet (opens on …, countdown), open, late but
// still accepted, or closed — so no button leads to a refusal.
import { Tag } from "antd";
import { useLang, useT } from "../i18n/lang";
import { countdown, formatDateTime } from "../lib/deadline";
import type { Phase } from "../lib/phase";
import { DeadlineTag, useNow } from "./tags";

export function PhaseTag({ phase, opensAt, dueAt }: { phase: Phase; opensAt: string; dueAt: string }) {
  const t = useT();
  const { lang } = useLang();
  const now = useNow();
  if (phase === "not_open")
    return <Tag color="default" className="phase-tag">{t("Chưa mở", "Not open yet")} · {countdown(opensAt, now, lang).text}</Tag>;
  if (phase === "late") return <Tag color="orange" className="phase-tag">{t("Quá hạn, vẫn nhận nộp muộn", "Past due, late work accepted")}</Tag>;
  if (phase === "closed") return <Tag color="default" className="phase-tag">{t("Đã đóng", "Closed")}</Tag>;
  return <DeadlineTag due={dueAt} />;
}

/** One sentence for the card or the report header: what is possible now, with the dates that matter. */
export function phaseSentence(phase: Phase, opensAt: string, dueAt: string, latePolicy: string, t: (vi: string, en: string) => string): string {
  if (phase === "not_open")
    return t(`Đợt báo cáo mở từ ${formatDateTime(opensAt)}; trường soạn và nộp từ thời điểm đó.`, `Opens on ${formatDateTime(opensAt)}; the school drafts and submits from then.`);
  if (phase === "late")
    return t(`Đã quá hạn nộp (${formatDateTime(dueAt)}). Đợt vẫn nhận báo cáo nộp muộn; báo cáo sẽ được ghi là nộp muộn.`,
      `The deadline (${formatDateTime(dueAt)}) has passed. Late reports are still accepted and are marked late.`);
  if (phase === "closed")
    return latePolicy === "hard_cutoff"
      ? t(`Đã hết hạn nộp (${formatDateTime(dueAt)}); đợt không nhận báo cáo nộp muộn.`, `The deadline (${formatDateTime(dueAt)}) has passed; no late reports are accepted.`)
      : t("Đợt báo cáo đã đóng.", "The campaign is closed.");
  return latePolicy === "hard_cutoff"
    ? t(`Hạn nộp ${formatDateTime(dueAt)}; sau hạn không nhận nộp muộn.`, `Due ${formatDateTime(dueAt)}; nothing accepted after that.`)
    : t(`Hạn nộp ${formatDateTime(dueAt)}; sau hạn vẫn nhận nộp muộn (ghi là nộp muộn).`, `Due ${formatDateTime(dueAt)}; late reports accepted (marked late).`);
}
