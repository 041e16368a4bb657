// The QĐ 4725 cycle as a preset in the campaign wizard: one click fills the title, kind, legal reference, the
// reference rubric (an editable template) and the self-assessment deadline (31/5) for the school year; the
// external assessment date (20/6) and the steps are shown so the authority plans its review. Everything stays
// editable before issuing.
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Card, Typography } from "antd";
import { useState } from "react";
import { allItems, api, PAGE_MAX } from "../../api/client";
import type { ScoringComponents } from "../../api/generated";
import { useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";

export type CampaignPreset = ScoringComponents["schemas"]["CampaignPreset"];

/** The year a school year ends in: "2025-2026" → 2026; without one, the school year running now (from August). */
export function schoolYearEnd(name: string | undefined, now = new Date()): number {
  const years = name?.match(/\d{4}/g);
  if (years?.length) return Number(years[years.length - 1]);
  return now.getMonth() >= 7 ? now.getFullYear() + 1 : now.getFullYear();
}

export function PresetCard({ schoolYearName, onApply }: { schoolYearName: string | undefined; onApply: (preset: CampaignPreset) => void }) {
  const t = useT();
  const [applied, setApplied] = useState<CampaignPreset | null>(null);
  // Asked for on the click (the presets follow the chosen school year), with the button's busy and error state.
  const apply = useMutation({
    mutationFn: () => allItems((offset) => api.GET("/api/scoring/rubrics/campaign-presets", { params: { query: { school_year_end: schoolYearEnd(schoolYearName), limit: PAGE_MAX, offset } } })),
    onSuccess: (presets) => {
      const preset = presets.find((p) => p.key === "qd-4725");
      if (preset) {
        onApply(preset);
        setApplied(preset);
      }
    },
  });
  return (
    <Card size="small" className="mb" title={t("Mẫu QĐ 4725: đánh giá mức độ CĐS", "QĐ 4725 preset: DX assessment")}>
      <Typography.Paragraph className="small muted">
        {t("Điền sẵn tiêu đề, căn cứ, bộ chỉ số mẫu và hạn tự đánh giá 31/5 của năm học đã chọn; đánh giá ngoài trước 20/6, rồi công bố.",
          "Fills the title, reference, the template rubric and the 31/5 self-assessment deadline; external assessment by 20/6, then publication.")}
      </Typography.Paragraph>
      <Button onClick={() => apply.mutate()} loading={apply.isPending}>{t("Dùng mẫu QĐ 4725", "Use the QĐ 4725 preset")}</Button>
      {apply.error && <Alert className="mt" type="error" showIcon title={apply.error.message} />}
      {applied && (
        <Alert className="mt" type="info" showIcon data-testid="preset-applied"
          title={t(`Đã điền mẫu. Hạn tự đánh giá ${formatDateTime(applied.self_assessment_due_at)}; hạn đánh giá ngoài ${formatDateTime(applied.external_assessment_due_at)}.`,
            `Preset filled. Self-assessment due ${formatDateTime(applied.self_assessment_due_at)}; external assessment by ${formatDateTime(applied.external_assessment_due_at)}.`)}
          description={<>
            <div>{applied.reference_note}</div>
            <ol className="small">{applied.steps.map((s) => <li key={s}>{s}</li>)}</ol>
          </>} />
      )}
    </Card>
  );
}
