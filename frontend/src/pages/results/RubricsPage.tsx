// `/rubrics` and `/rubrics/:rubricId`: the scoring rubrics (bộ tiêu chí) an authority can use — templates and
// its own — each viewable criterion by criterion, exported as XLSX or JSON, and new ones imported from a file
// after a dry run that shows the rubric as it would be saved, or the file's problems by sheet and row.
import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Descriptions, Dropdown, Modal, Space, Table, Tag, Typography } from "antd";
import { Fragment, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { allItems, api, call, download, PAGE_MAX } from "../../api/client";
import type { ScoringComponents } from "../../api/generated";
import { asApiError } from "../../api/problem";
import { PageLoading } from "../../components/PageLoading";
import { useMe } from "../../auth/AuthProvider";
import { ADMIN_ROLES, hasAny } from "../../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { formatPoints, type Band, type RubricDefinition } from "../../lib/scoring";
import { ErrorScreen } from "../ErrorPages";
import { GroupRow, ScoreHead } from "../submission/scoring";
import { fileBody } from "../admin/ImportDialog";

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
      <table className="score-table rubric-table mb">
        <ScoreHead columns={[["Minh chứng", "Evidence", "col-evidence"]]} />
        <tbody>
          {definition.groups.map((group) => (
            <Fragment key={group.code}>
              <GroupRow code={group.code} title={group.title} max={group.max_points} cells={[<td key="e" className="col-evidence" />]} />
              {group.criteria.map((c) => (
                <tr key={c.code}>
                  <td className="col-no">{c.code}</td>
                  <td>
                    <div>{c.text}</div>
                    {(c.kind ?? "points") !== "points" && <Tag className="mt-small">{t(...KINDS[c.kind ?? "points"])}</Tag>}
                    {(c.items ?? []).length > 0 && <ul className="problem-errors">{(c.items ?? []).map((i) => <li key={i.code}>{i.code}) {i.text} — {formatPoints(i.points, lang)}</li>)}</ul>}
                  </td>
                  <td className="col-max" data-label={t("Điểm chuẩn", "Max")}>{formatPoints(c.max_points ?? 0, lang)}</td>
                  <td className="col-evidence" data-label={t("Minh chứng", "Evidence")}>
                    {c.evidence_required ? <Tag color="red">{t("Bắt buộc", "Required")}</Tag> : null}
                    <span className="small">{c.evidence_expected ?? (c.evidence_required ? "" : "—")}</span>
                    {(c.evidence_attributes ?? []).length > 0 && <div className="muted small">{t("Ghi rõ", "State")}: {(c.evidence_attributes ?? []).map((a) => a.label).join(", ")}</div>}
                  </td>
                </tr>
              ))}
            </Fragment>
          ))}
        </tbody>
      </table>
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

function ImportRubric({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<RubricDefinition | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const go = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const result = await call(api.POST("/api/scoring/rubrics/import", { params: { query: { dry_run: dryRun } }, ...fileBody(file) }));
      setPreview(result.definition);
      if (!dryRun && result.rubric) {
        await queryClient.invalidateQueries({ queryKey: ["rubrics"] });
        onClose();
        navigate(`/rubrics/${result.rubric.id}`);
      }
    } catch (e) {
      setPreview(null);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const problems = error ? asApiError(error).problem.errors ?? [] : [];
  return (
    <Modal open={open} width={960} title={t("Nhập bộ tiêu chí từ tệp", "Import a rubric from a file")} onCancel={onClose} destroyOnHidden footer={
      <Space wrap>
        <Button onClick={() => void go(true)} disabled={!file} loading={busy}>{t("Kiểm tra tệp", "Check the file")}</Button>
        <Button type="primary" onClick={() => void go(false)} disabled={!file || !preview} loading={busy}>{t("Nhập bộ tiêu chí", "Import the rubric")}</Button>
      </Space>
    }>
      <Typography.Paragraph className="small">
        {t("Tệp Excel theo mẫu mà nút “Xuất” tạo ra (các trang Tiêu chí, Xếp loại, Thiết lập) hoặc tệp JSON. Kiểm tra trước: không ghi gì, chỉ hiện bộ tiêu chí sẽ được lưu hoặc các lỗi theo trang và dòng.",
          "An Excel file in the layout “Export” writes (sheets Tiêu chí, Xếp loại, Thiết lập) or a JSON file. Check first: nothing is saved; you see the rubric as it would be saved, or the errors by sheet and row.")}
      </Typography.Paragraph>
      <Space wrap className="mb">
        <Button icon={<DownloadOutlined />} onClick={() => void download(api.GET("/api/scoring/rubrics/import/template", { parseAs: "blob" }), "mau-bo-tieu-chi.xlsx").catch(setError)}>
          {t("Tải tệp mẫu (.xlsx)", "Download the template (.xlsx)")}
        </Button>
        <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>{file ? file.name : t("Chọn tệp .xlsx hoặc .json", "Choose an .xlsx or .json file")}</Button>
        <input ref={input} type="file" hidden accept=".xlsx,.json,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" data-testid="rubric-file"
          onChange={(e) => { setFile(e.target.files?.[0] ?? null); setPreview(null); setError(null); }} />
      </Space>
      {error ? <div className="mb"><ProblemAlert error={error} showErrors={false} /></div> : null}
      {problems.length > 0 && (
        <Table size="small" className="mb" rowKey={(e) => `${e.field}-${e.row}-${e.message}`} dataSource={problems} pagination={{ pageSize: 10, hideOnSinglePage: true }} columns={[
          { title: t("Trang", "Sheet"), dataIndex: "field", width: 140 },
          { title: t("Dòng", "Row"), dataIndex: "row", width: 70, render: (v: number | null) => v ?? "—" },
          { title: t("Lỗi", "Error"), dataIndex: "message" },
        ]} />
      )}
      {preview && (
        <>
          <Alert className="mb" type="success" showIcon title={t(`Tệp hợp lệ (chưa ghi gì): “${preview.title}”, ${preview.groups.length} nhóm, ${preview.groups.reduce((n, g) => n + g.criteria.length, 0)} tiêu chí.`,
            `The file is valid (nothing saved yet): “${preview.title}”, ${preview.groups.length} groups, ${preview.groups.reduce((n, g) => n + g.criteria.length, 0)} criteria.`)} />
          <RubricTable definition={preview} />
        </>
      )}
    </Modal>
  );
}

function RubricList() {
  const t = useT();
  const me = useMe();
  const [importing, setImporting] = useState(false);
  const query = useQuery({ queryKey: ["rubrics"], queryFn: () => allItems((offset) => api.GET("/api/scoring/rubrics", { params: { query: { limit: PAGE_MAX, offset } } })) });
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
  const query = useQuery({ queryKey: ["rubric", id], queryFn: () => call(api.GET("/api/scoring/rubrics/{rubric_id}", { params: { path: { rubric_id: id } } })) });
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
