// What publishing now leaves out, shown inside the publish confirmation: the server's preview counts and names
// the units not fully reviewed, not approved and late, so a campaign is never published with 1 of 6 schools
// scored without the admin reading it first.
import { Alert, Collapse, List, Typography } from "antd";
import type { ScoringComponents } from "../../api/generated";
import { useT } from "../../i18n/lang";

type Preview = ScoringComponents["schemas"]["PublishPreviewRead"];
type UnitWarning = ScoringComponents["schemas"]["UnitWarning"];

export function PublishWarning({ preview, rankingEnabled }: { preview: Preview; rankingEnabled: boolean }) {
  const t = useT();
  const lists: { key: string; title: string; count: number; units: UnitWarning[] }[] = [
    { key: "unscored", title: t("Chưa thẩm định đủ tiêu chí", "Not fully reviewed"), count: preview.unscored_count, units: preview.unscored },
    { key: "unapproved", title: t("Chưa được phê duyệt", "Not approved"), count: preview.unapproved_count, units: preview.unapproved },
    { key: "late", title: t("Nộp muộn hoặc quá hạn", "Late or overdue"), count: preview.late_count, units: preview.late },
  ].filter((list) => list.count > 0);
  return (
    <div data-testid="publish-warning">
      <Typography.Paragraph>
        {preview.warning ? "" : t(`Kết quả của ${preview.publish_count}/${preview.target_count} đơn vị (báo cáo đã phê duyệt) sẽ được công bố. `,
          `The results of ${preview.publish_count}/${preview.target_count} units (approved reports) will be published. `)}
        {t(`Mỗi trường được công bố thấy điểm và xếp loại của mình${rankingEnabled ? ", kèm thứ hạng" : ""}. Công bố lại sẽ thay thế lần trước.`,
          `Each published school sees its score and class${rankingEnabled ? " and rank" : ""}. Publishing again replaces the previous publication.`)}
      </Typography.Paragraph>
      {preview.warning && <Alert type="warning" showIcon message={preview.warning} style={{ marginBottom: 8 }} />}
      {lists.length > 0 && (
        <Collapse size="small" defaultActiveKey={[lists[0].key]} items={lists.map((list) => ({
          key: list.key,
          label: `${list.title}: ${list.count}`,
          children: (
            <List size="small" dataSource={list.units} style={{ maxHeight: 240, overflowY: "auto" }}
              footer={list.count > list.units.length ? <span className="muted small">{t(`… và ${list.count - list.units.length} đơn vị khác`, `… and ${list.count - list.units.length} more`)}</span> : undefined}
              renderItem={(unit) => (
                <List.Item>
                  <span style={{ overflowWrap: "anywhere" }}><strong>{unit.unit_name}</strong> — <span className="muted">{unit.reason}</span></span>
                </List.Item>
              )} />
          ),
        }))} />
      )}
    </div>
  );
}
