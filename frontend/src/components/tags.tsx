import { Tag, Tooltip } from "antd";
import { useEffect, useState } from "react";
import type { SubmissionsComponents } from "../api/generated";
import { useLang, useT } from "../i18n/lang";
import { countdown, formatDateTime, type Tone } from "../lib/deadline";

type SubmissionStatus = SubmissionsComponents["schemas"]["SubmissionStatus"];
type CampaignStatus = SubmissionsComponents["schemas"]["CampaignStatus"];
type TargetStatus = SubmissionsComponents["schemas"]["TargetStatus"];
type SignatureState = SubmissionsComponents["schemas"]["SignatureState"];

/** The colour of a report's digital-signature state, on the report and on the status board. */
export const SIGNATURE_COLORS: Record<SignatureState, string> = { signed: "green", not_signed: "default", invalid: "red" };

const TONE_COLOR: Record<Tone, string> = { normal: "blue", soon: "orange", today: "volcano", overdue: "red" };

/** Now, ticking once a minute: countdowns stay true on a page left open. */
export function useNow(intervalMs = 60_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function DeadlineTag({ due }: { due: string }) {
  const { lang } = useLang();
  const t = useT();
  const now = useNow();
  const c = countdown(due, now, lang);
  return (
    <Tooltip title={`${t("Hạn nộp", "Deadline")}: ${formatDateTime(due)}`}>
      <Tag color={TONE_COLOR[c.tone]} className="deadline-tag">
        {c.text}
      </Tag>
    </Tooltip>
  );
}

export const SUBMISSION_STATUS: Record<SubmissionStatus | "none", Labelled> = {
  none: { vi: "Chưa bắt đầu", en: "Not started", color: "default" },
  draft: { vi: "Đang soạn", en: "Drafting", color: "gold" },
  submitted: { vi: "Đã nộp", en: "Submitted", color: "blue" },
  under_review: { vi: "Đang thẩm định", en: "Under review", color: "geekblue" },
  returned: { vi: "Bị trả lại", en: "Returned", color: "red" },
  resubmitted: { vi: "Đã nộp lại", en: "Resubmitted", color: "blue" },
  forwarded: { vi: "Đã chuyển lên cấp trên", en: "Forwarded", color: "purple" },
  approved: { vi: "Đã duyệt", en: "Approved", color: "green" },
};

type Labelled = { vi: string; en: string; color: string };

/** A coloured tag from one of the label tables below, in the current language. */
function LabelTag({ label }: { label: Labelled }) {
  const { lang } = useLang();
  return <Tag color={label.color}>{label[lang]}</Tag>;
}

export function SubmissionStatusTag({ status }: { status: SubmissionStatus | null | undefined }) {
  return <LabelTag label={SUBMISSION_STATUS[status ?? "none"]} />;
}

export const CAMPAIGN_STATUS: Record<CampaignStatus, Labelled> = {
  draft: { vi: "Bản nháp", en: "Draft", color: "default" },
  published: { vi: "Đang mở", en: "Open", color: "green" },
  closed: { vi: "Đã đóng", en: "Closed", color: "orange" },
  archived: { vi: "Lưu trữ", en: "Archived", color: "default" },
};

export function CampaignStatusTag({ status }: { status: CampaignStatus }) {
  return <LabelTag label={CAMPAIGN_STATUS[status]} />;
}

// Solid tags with white text: every colour reaches 4.5:1 against white (WCAG AA); the bar chart uses them too.
export const TARGET_STATUS: Record<TargetStatus, Labelled> = {
  not_started: { vi: "Chưa bắt đầu", en: "Not started", color: "#595959" },
  draft: { vi: "Đang soạn", en: "Drafting", color: "#8c5400" },
  overdue: { vi: "Quá hạn", en: "Overdue", color: "#cf1322" },
  submitted_on_time: { vi: "Nộp đúng hạn", en: "On time", color: "#0958d9" },
  submitted_late: { vi: "Nộp muộn", en: "Late", color: "#ad4e00" },
  returned: { vi: "Bị trả lại", en: "Returned", color: "#c41d7f" },
  approved: { vi: "Đã duyệt", en: "Approved", color: "#237804" },
};

export const CAMPAIGN_KINDS: Record<SubmissionsComponents["schemas"]["CampaignKind"], [string, string]> = {
  annual_plan: ["Kế hoạch năm", "Annual plan"],
  semester_review: ["Sơ kết học kỳ", "Semester review"],
  year_end_report: ["Tổng kết năm học, tự chấm điểm", "Year-end report with self-scoring"],
  dx_self_assessment: ["Tự đánh giá mức độ CĐS (QĐ 4725)", "DX maturity self-assessment"],
  ad_hoc_list: ["Danh sách, số liệu đột xuất", "Ad-hoc list"],
};
