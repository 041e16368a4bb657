// `/rubrics` and `/rubrics/:rubricId`: the scoring rubrics (bộ tiêu chí) an authority can use — templates and
// its own — each viewable criterion by criterion, exported as XLSX or JSON, and new ones imported from a file
// after a dry run that shows the rubric as it would be saved, or the file's problems by sheet and row.
import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Descriptions, Dropdown, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, call, download } from "../../api/client";
import type { ScoringComponents } from "../../api/generated";
import { asApiError } from "../../api/problem";
import { PageLoading } from "../../components/PageLoading";
import { useMe } from "../auth/AuthProvider";
import { ADMIN_ROLES, hasAny } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { formatPoints, type Band, type RubricDefinition } from "../../lib/scoring";
import { ErrorScreen } from "../../components/ErrorPages";
import { ScoreTable } from "../../components/ScoreTable";
import { fileBody, ImportDialog } from "../../components/ImportDialog";
import { rubricKeys, useRubric, useRubrics } from "./api";

type S = ScoringComponents["schemas"];
type RubricSummary = S["RubricSummary"];

const KINDS: Record<string, [string, string]> = {
  points: ["Chấm điểm", "Points"],
  blocks: ["Theo nội dung đạt", "Blocks"],
  levels: ["Theo mức", "Levels"],
  mandatory: ["Điều kiện bắt buộc", "Mandatory"],
};

function bandText(band: Band, lang: "vi" | "en"): string {
  const low = band.min === null || band.min === undefined ? "" : `${band.min_inclusive === false ? ">" : "≥"} ${formatPoints(band.min, lang)}`;
  const high = band.max === null || band.max === undefined ? "" : `${band.max_inclusive === false ? "<" : "≤"} ${formatPoints(band.max, lang)}`;
  return [low, high].filter(Boolean).join(lang === "vi" ? " và " : " and ");
}

/** A rubric's groups and criteria (STT | Nội dung | Điểm chuẩn | Minh chứng) and its classes. */
export function RubricTable({ definition }: { definition: RubricDefinition }) {
  const t = useT();
  const { lang } = useLang();
  return (
    <>
      {definition.reference_note && <Alert className="mb" type="warning" showIcon title={definition.reference_note} />}
      <ScoreTable definition={definition} className="score-table rubric-table mb" columns={[["Minh chứng", "Evidence", "col-evidence"]]}
        groupCells={() => [<td key="e" className="col-evidence" />]}
        row={(c) => ({
          description: <>
            <div>{c.text}</div>
            {(c.kind ?? "points") !== "points" && <Tag className="mt-small">{t(...KINDS[c.kind ?? "points"])}</Tag>}
            {(c.items ?? []).length > 0 && <ul className="problem-errors">{(c.items ?? []).map((i) => <li key={i.code}>{i.code}) {i.text} — {formatPoints(i.points, lang)}</li>)}</ul>}
          </>,
          cells: [
            <td key="e" className="col-evidence" data-label={t("Minh chứng", "Evidence")}>
              {c.evidence_required ? <Tag color="red">{t("Bắt buộc", "Required")}</Tag> : null}
              <span className="small">{c.evidence_expected ?? (c.evidence_required ? "" : "—")}</span>
              {(c.evidence_attributes ?? []).length > 0 && <div className="muted small">{t("Ghi rõ", "State")}: {(c.evidence_attributes ?? []).map((a) => a.label).join(", ")}</div>}
            </td>,
          ],
        })} />
      {(definition.bands ?? []).length > 0 && (
        <Descriptions size="small" bordered column={1} title={t("Xếp loại theo tổng điểm", "Classes by total")} items={[...(definition.bands ?? [])].reverse().map((b) => ({
          key: b.label, label: b.label, children: bandText(b, lang),
        }))} />
      )}
    </>
  );
}

function ExportButton({ id }: { id: string }) {
  const t = useT();
  const { message } = App.useApp();
  const get = (format: "xlsx" | "json") => download(api.GET("/api/scoring/rubrics/{rubric_id}/export", {
    params: { path: { rubric_id: id }, query: { format } }, parseAs: "blob",
  }), `bo-tieu-chi.${format}`).catch((e: Error) => message.error(e.message));
  return (
    <Dropdown trigger={["click"]} menu={{ onClick: ({ key }) => void get(key as "xlsx" | "json"), items: [
      { key: "xlsx", label: t("Tệp Excel (XLSX)", "Excel (XLSX)") },
      { key: "json", label: "JSON" },
    ] }}>
      <Button icon={<DownloadOutlined />}>{t("Xuất", "Export")}</Button>
    </Dropdown>
  );
}

type RubricImport = S["RubricImportResult"];

/** The rubric import: a dry run shows the rubric as it would be saved (or the problems by sheet and row), then
 * the import saves it and opens it. */
function ImportRubric({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (
    <ImportDialog<RubricImport> open={open} onClose={onClose} width={960} title={t("Nhập bộ tiêu chí từ tệp", "Import a rubric from a file")}
      help={t("Tệp Excel theo mẫu mà nút “Xuất” tạo ra (các trang Tiêu chí, Xếp loại, Thiết lập) hoặc tệp JSON. Kiểm tra trước: không ghi gì, chỉ hiện bộ tiêu chí sẽ được lưu hoặc các lỗi theo trang và dòng.",
        "An Excel file in the layout “Export” writes (sheets Tiêu chí, Xếp loại, Thiết lập) or a JSON file. Check first: nothing is saved; you see the rubric as it would be saved, or the errors by sheet and row.")}
      template={() => download(api.GET("/api/scoring/rubrics/import/template", { parseAs: "blob" }), "mau-bo-tieu-chi.xlsx")}
      accept=".xlsx,.json,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" fileTestId="rubric-file"
      chooseLabel={t("Chọn tệp .xlsx hoặc .json", "Choose an .xlsx or .json file")} importLabel={t("Nhập bộ tiêu chí", "Import the rubric")}
      run={(file, { dryRun }) => call(api.POST("/api/scoring/rubrics/import", { params: { query: { dry_run: dryRun } }, ...fileBody(file) }))}
      canImport={(last) => last !== undefined}
      onImported={(result) => {
        if (!result.rubric) return;
        void queryClient.invalidateQueries({ queryKey: rubricKeys.lists() });
        onClose();
        navigate(`/rubrics/${result.rubric.id}`);
      }}
      problems={(error) => {
        const rows = asApiError(error).problem.errors ?? [];
        return rows.length > 0 && (
          <Table size="small" className="mb" rowKey={(e) => `${e.field}-${e.row}-${e.message}`} dataSource={rows} pagination={{ pageSize: 10, hideOnSinglePage: true }} columns={[
            { title: t("Trang", "Sheet"), dataIndex: "field", width: 140 },
            { title: t("Dòng", "Row"), dataIndex: "row", width: 70, render: (v: number | null) => v ?? "—" },
            { title: t("Lỗi", "Error"), dataIndex: "message" },
          ]} />
        );
      }}
      result={({ definition: preview }) => (
        <>
          <Alert className="mb" type="success" showIcon title={t(`Tệp hợp lệ (chưa ghi gì): “${preview.title}”, ${preview.groups.length} nhóm, ${preview.groups.reduce((n, g) => n + g.criteria.length, 0)} tiêu chí.`,
            `The file is valid (nothing saved yet): “${preview.title}”, ${preview.groups.length} groups, ${preview.groups.reduce((n, g) => n + g.criteria.length, 0)} criteria.`)} />
          <RubricTable definition={preview} />
        </>
      )} />
  );
}

function RubricList() {
  const t = useT();
  const me = useMe();
  const [importing, setImporting] = useState(false);
  const query = useRubrics();
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <>
      <PageTitle title={t("Bộ tiêu chí chấm điểm", "Scoring rubrics")} extra={hasAny(me, ADMIN_ROLES) && (
        <Button type="primary" icon={<UploadOutlined />} onClick={() => setImporting(true)}>{t("Nhập từ tệp", "Import from a file")}</Button>
      )} />
      <Table<RubricSummary> rowKey="id" size="small" loading={query.isPending} dataSource={query.data ?? []} pagination={{ pageSize: 25, hideOnSinglePage: true }} scroll={{ x: 560 }} columns={[
        { title: t("Tên bộ tiêu chí", "Title"), render: (_, r) => <Link to={`/rubrics/${r.id}`}>{r.title}</Link> },
        { title: t("Phiên bản", "Version"), dataIndex: "version", width: 90 },
        { title: t("Loại", "Kind"), width: 130, render: (_, r) => r.is_template ? <Tag color="purple">{t("Mẫu dùng chung", "Template")}</Tag> : <Tag>{t("Của đơn vị", "Own")}</Tag> },
        { title: t("Ngày tạo", "Created"), width: 150, render: (_, r) => formatDateTime(r.created_at) },
      ]} />
      <ImportRubric open={importing} onClose={() => setImporting(false)} />
    </>
  );
}

function RubricDetail({ id }: { id: string }) {
  const t = useT();
  const { lang } = useLang();
  const query = useRubric(id);
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <PageLoading />;
  const r = query.data;
  return (
    <>
      <PageTitle title={r.title} extra={<ExportButton id={r.id} />} sub={
        <Space wrap size={[8, 4]}>
          <Link to="/rubrics">{t("← Bộ tiêu chí", "← Rubrics")}</Link>
          <Tag>{t("Phiên bản", "Version")} {r.version}{r.is_latest ? "" : t(" (đã có bản mới hơn)", " (superseded)")}</Tag>
          {r.is_template && <Tag color="purple">{t("Mẫu dùng chung", "Template")}</Tag>}
          <span className="muted small">{r.criteria_count} {t("tiêu chí", "criteria")} · {t("tổng", "total")} {formatPoints(r.max_total, lang)} {t("điểm", "points")} · {t("bước", "step")} {formatPoints(r.definition.step ?? 0.25, lang)}</span>
        </Space>
      } />
      {r.definition.description && <Typography.Paragraph>{r.definition.description}</Typography.Paragraph>}
      <RubricTable definition={r.definition} />
    </>
  );
}

export default function RubricsPage() {
  const { rubricId } = useParams();
  return rubricId ? <RubricDetail id={rubricId} /> : <RubricList />;
}
