// Pieces of the campaign wizard that read other resources: the outline's sections, the rubric library, the
// campaigns to copy from, the communes and clusters that narrow the targets, and the target list where single
// units are included or excluded.
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Checkbox, Descriptions, Radio, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { allItems, api, call, PAGE_MAX } from "../../api/client";
import type { TargetRead } from "../../api/types";
import { useMe } from "../../auth/AuthProvider";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { matches } from "../../lib/fold";
import { walkSections } from "../../lib/outline";

/** The sections and questions of the chosen library outline, so the admin sees what schools will fill. */
export function OutlinePreview({ outlineId }: { outlineId?: string }) {
  const t = useT();
  const outline = useQuery({
    queryKey: ["outline", outlineId],
    enabled: Boolean(outlineId),
    queryFn: () => call(api.GET("/api/submissions/outlines/{outline_id}", { params: { path: { outline_id: outlineId as string } } })),
  });
  if (!outlineId) return <Alert type="warning" showIcon title={t("Chưa chọn đề cương: các trường chỉ nộp minh chứng.", "No outline: schools only upload evidence.")} />;
  if (outline.error) return <ProblemAlert error={outline.error} />;
  const sections = outline.data ? walkSections(outline.data.definition.sections) : [];
  const questions = sections.reduce((n, s) => n + (s.fields?.length ?? 0), 0);
  return (
    <Card size="small" className="mt outline-preview" loading={outline.isPending}
      title={t(`Xem trước đề cương: ${sections.length} mục, ${questions} câu hỏi`, `Outline preview: ${sections.length} sections, ${questions} questions`)}>
      <ul className="outline-sections">
        {sections.map((s) => (
          <li key={s.number}>
            <strong>{s.number}. {s.title}</strong>
            {(s.fields ?? []).length > 0 && (
              <ul className="small muted">{(s.fields ?? []).map((f) => <li key={f.id}>{f.label}{f.required ? ` (${t("bắt buộc", "required")})` : ""}</li>)}</ul>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** The rubric library as a choice (or no scoring), with what the chosen one holds. */
export function RubricChoice({ value, onChange, id }: { value?: string | null; onChange?: (v: string | null) => void; id?: string }) {
  const t = useT();
  const rubrics = useQuery({ queryKey: ["rubrics"], queryFn: () => allItems((offset) => api.GET("/api/scoring/rubrics", { params: { query: { limit: PAGE_MAX, offset } } })) });
  const detail = useQuery({
    queryKey: ["rubric", value],
    enabled: Boolean(value),
    queryFn: () => call(api.GET("/api/scoring/rubrics/{rubric_id}", { params: { path: { rubric_id: value as string } } })),
  });
  if (rubrics.error) return <ProblemAlert error={rubrics.error} />;
  const chosen = value ? detail.data : undefined;
  return (
    <>
      <Radio.Group id={id} className="choice-list" value={value ?? ""} onChange={(e) => onChange?.(e.target.value || null)} options={[
        { value: "", label: t("Không chấm điểm theo bộ tiêu chí", "No scoring against a rubric") },
        ...(rubrics.data ?? []).map((r) => ({ value: r.id, label: `${r.title} (${t("phiên bản", "version")} ${r.version})` })),
      ]} />
      {chosen && (
        <Descriptions className="mt" size="small" bordered column={1} items={[
          { key: "count", label: t("Số tiêu chí", "Criteria"), children: chosen.criteria_count },
          { key: "total", label: t("Tổng điểm chuẩn", "Maximum"), children: String(chosen.max_total).replace(".", ",") },
          { key: "mode", label: t("Cách xếp loại", "Classification"), children: chosen.mode === "group_levels" ? t("Theo mức từng nhóm", "Levels per group") : t("Theo tổng điểm", "By total") },
        ]} />
      )}
    </>
  );
}

/** Campaigns the admin's unit issued before, to start from one of them (dates moved to the chosen year). */
export function CopyFromPrevious({ onCopy, busy }: { onCopy: (campaignId: string) => void; busy: boolean }) {
  const t = useT();
  const me = useMe();
  const [source, setSource] = useState<string | undefined>();
  const campaigns = useQuery({
    queryKey: ["campaigns", "copy-sources"],
    queryFn: () => call(api.GET("/api/submissions/campaigns", { params: { query: { limit: 100 } } })),
  });
  // Only the admin's own unit's campaigns: copying needs the right to manage the source.
  const options = (campaigns.data?.items ?? []).filter((c) => c.status !== "draft" && c.issuer_unit_id === me.unit_id)
    .map((c) => ({ value: c.id, label: `${c.title} (${t("hạn", "due")} ${formatDateTime(c.due_at)})` }));
  if (!campaigns.isPending && options.length === 0) return null;
  return (
    <Card size="small" className="mb copy-card" title={t("Sao chép từ một đợt báo cáo trước", "Copy a previous campaign")}>
      <Typography.Paragraph className="small muted">
        {t("Giữ đề cương, bộ tiêu chí, đối tượng và hướng dẫn; thời hạn được dời sang năm học đã chọn.", "Keeps the outline, rubric, targets and instructions; dates move to the chosen school year.")}
      </Typography.Paragraph>
      <Space.Compact className="copy-row">
        <Select id="copy-source" aria-label={t("Đợt báo cáo để sao chép", "Campaign to copy")} className="copy-select" showSearch optionFilterProp="label"
          placeholder={t("Chọn đợt báo cáo", "Choose a campaign")} value={source} onChange={setSource} options={options} loading={campaigns.isPending} />
        <Button onClick={() => source && onCopy(source)} disabled={!source} loading={busy}>{t("Sao chép", "Copy")}</Button>
      </Space.Compact>
    </Card>
  );
}

/** Options matched ignoring diacritics and case ("long chau" finds "Phường Long Châu"). */
const byLabel = (input: string, option?: { label?: unknown }) => matches(String(option?.label ?? ""), input);

/** Communes (UBND xã/phường) to narrow the targets to; none chosen: every commune. */
export function CommuneSelect({ value, onChange, id }: { value?: string[]; onChange?: (v: string[]) => void; id?: string }) {
  const t = useT();
  const communes = useQuery({
    queryKey: ["unit-picker", "communes"],
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: { type: ["commune"], limit: 500 } } })),
  });
  if (communes.error) return <ProblemAlert error={communes.error} />;
  return (
    <Select id={id} mode="multiple" allowClear showSearch filterOption={byLabel} value={value} onChange={onChange}
      loading={communes.isPending} className="narrow-select" placeholder={t("Mọi xã/phường", "Every commune")}
      notFoundContent={communes.isPending ? "…" : t("Không có xã/phường nào", "No commune")}
      options={(communes.data?.items ?? []).map((u) => ({ value: u.id, label: `${u.name} (${u.code})` }))} />
  );
}

/** Clusters (cụm trường) the issuer defined, to narrow the targets to; none chosen: every cluster. */
export function ClusterSelect({ value, onChange, id }: { value?: string[]; onChange?: (v: string[]) => void; id?: string }) {
  const t = useT();
  const clusters = useQuery({ queryKey: ["clusters"], queryFn: () => allItems((offset) => api.GET("/api/identity/clusters", { params: { query: { limit: PAGE_MAX, offset } } })) });
  if (clusters.error) return <ProblemAlert error={clusters.error} />;
  return (
    <Select id={id} mode="multiple" allowClear showSearch filterOption={byLabel} value={value} onChange={onChange}
      loading={clusters.isPending} className="narrow-select" placeholder={t("Mọi cụm trường", "Every cluster")}
      notFoundContent={clusters.isPending ? "…" : t("Chưa có cụm trường nào", "No cluster yet")}
      options={(clusters.data ?? []).filter((c) => c.active).map((c) => ({ value: c.id, label: `${c.name} (${c.code})` }))} />
  );
}

export interface Picked {
  unit_id: string;
  unit_code: string;
  unit_name: string;
  commune_name?: string | null;
  cluster_names?: string[];
}

/** Where a target sits administratively and which clusters it belongs to, on one muted line. */
function placeOf(r: Picked): string {
  return [r.commune_name, ...(r.cluster_names ?? [])].filter(Boolean).join(" · ");
}

/** The resolved targets as the server will freeze them at publication: count and list, read only. */
export function TargetSummary({ targets, dueAt }: { targets: TargetRead[]; dueAt?: string }) {
  const t = useT();
  return (
    <>
      <Alert className="mb" type={targets.length ? "info" : "warning"} showIcon
        title={t(`${targets.length} đơn vị sẽ phải nộp báo cáo, hạn ${formatDateTime(dueAt)}.`, `${targets.length} units will have to submit, by ${formatDateTime(dueAt)}.`)} />
      <Table<TargetRead> size="small" rowKey="unit_id" dataSource={targets} pagination={{ pageSize: 10, showSizeChanger: false }}
        className="mb target-summary" columns={[
          { title: t("Đơn vị", "Unit"), render: (_, r) => <><div>{r.unit_name}</div><div className="muted small">{r.unit_code}</div></> },
          { title: t("Xã/phường, cụm trường", "Commune, cluster"), render: (_, r) => <span className="small">{placeOf(r)}</span> },
        ]} />
    </>
  );
}

/** The units the rule selects, each with its own "must submit" box, plus single units added by search. */
export function TargetPicker({ matched, extra, excluded, onExclude, onAdd, dueAt }: {
  matched: TargetRead[];
  extra: Picked[];
  excluded: Set<string>;
  onExclude: (unitId: string, excluded: boolean) => void;
  onAdd: (unit: Picked) => void;
  dueAt?: string;
}) {
  const t = useT();
  const [q, setQ] = useState("");
  const units = useQuery({
    queryKey: ["unit-picker", "targets", q],
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: { q: q || undefined, limit: 30 } } })),
  });
  const rows: Picked[] = [...matched, ...extra.filter((u) => !matched.some((m) => m.unit_id === u.unit_id))];
  const chosen = rows.filter((r) => !excluded.has(r.unit_id)).length;
  return (
    <>
      <Alert className="mb" type={chosen ? "info" : "warning"} showIcon
        title={t(`${chosen} đơn vị sẽ phải nộp báo cáo, hạn ${formatDateTime(dueAt)}.`, `${chosen} units will have to submit, by ${formatDateTime(dueAt)}.`)}
        description={t("Bỏ dấu chọn để loại một đơn vị; tìm và thêm đơn vị không thuộc tiêu chí.", "Untick a unit to leave it out; search to add one the rule does not select.")} />
      <Select className="mb target-add" showSearch filterOption={false} onSearch={setQ} value={null} aria-label={t("Thêm đơn vị", "Add a unit")}
        placeholder={t("Thêm đơn vị: gõ tên hoặc mã", "Add a unit: type a name or code")}
        options={(units.data?.items ?? []).filter((u) => u.type === "school" || u.type === "center").map((u) => ({ value: u.id, label: `${u.name} (${u.code})` }))}
        onChange={(id: string | null) => {
          const unit = units.data?.items.find((u) => u.id === id);
          if (unit) onAdd({ unit_id: unit.id, unit_code: unit.code, unit_name: unit.name });
        }} />
      <Table<Picked> size="small" rowKey="unit_id" dataSource={rows} pagination={{ pageSize: 20, showSizeChanger: false }} className="target-table"
        columns={[
          { title: t("Phải nộp", "Must submit"), width: 90, render: (_, r) => (
            <Checkbox checked={!excluded.has(r.unit_id)} onChange={(e) => onExclude(r.unit_id, !e.target.checked)}
              aria-label={`${t("Phải nộp", "Must submit")}: ${r.unit_name}`} />
          ) },
          { title: t("Đơn vị", "Unit"), render: (_, r) => <><div>{r.unit_name}</div><div className="muted small">{[r.unit_code, placeOf(r)].filter(Boolean).join(" · ")}</div></> },
        ]} />
    </>
  );
}
