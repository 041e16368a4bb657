// XLSX/CSV import of units or accounts: check first (nothing written), see every bad row, then import.
import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, Button, Checkbox, Descriptions, Modal, Space, Table, Typography } from "antd";
import { useRef, useState } from "react";
import { ApiError, asApiError, toProblem } from "../api/problem";
import type { ImportReport } from "../api/types";
import { ProblemAlert } from "./ProblemAlert";
import { useT } from "../i18n/lang";

export type Importer = (file: File, options: { dryRun: boolean; validOnly: boolean }) => Promise<{ data?: ImportReport; error?: unknown; response: Response }>;

/** A multipart body with the one `file` part the import endpoints take. */
export function fileBody(file: File) {
  return {
    body: { file: file as unknown as string },
    bodySerializer: (body: { file: string }) => {
      const form = new FormData();
      form.append("file", body.file as unknown as Blob);
      return form;
    },
  };
}

export function ImportDialog({ open, onClose, title, help, run, onImported, template }: {
  open: boolean;
  onClose: () => void;
  title: string;
  help: React.ReactNode;
  run: Importer;
  onImported: () => void;
  /** Download the service's XLSX template (its header is exactly what the import reads). */
  template: () => Promise<void>;
}) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [validOnly, setValidOnly] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const go = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      let outcome;
      try {
        outcome = await run(file, { dryRun, validOnly: dryRun || validOnly });
      } catch (e) {
        throw asApiError(e);
      }
      if (!outcome.data) throw new ApiError(toProblem(outcome.error, outcome.response.status));
      setReport(outcome.data);
      if (!dryRun) onImported();
    } catch (e) {
      setReport(null);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const reset = () => {
    setFile(null);
    setReport(null);
    setError(null);
  };

  return (
    <Modal open={open} title={title} width={760} onCancel={() => { reset(); onClose(); }} destroyOnHidden footer={
      <Space wrap>
        <Button onClick={() => void go(true)} disabled={!file} loading={busy}>{t("Kiểm tra tệp", "Check the file")}</Button>
        <Button type="primary" onClick={() => void go(false)} disabled={!file || (report?.dry_run === false)} loading={busy}>{t("Nhập dữ liệu", "Import")}</Button>
      </Space>
    }>
      <Typography.Paragraph className="small">{help}</Typography.Paragraph>
      <Button className="mb import-template" icon={<DownloadOutlined />} onClick={() => void template().catch(setError)}>{t("Tải tệp mẫu (.xlsx)", "Download the template (.xlsx)")}</Button>
      <Space wrap className="mb">
        <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>{file ? file.name : t("Chọn tệp .xlsx hoặc .csv", "Choose an .xlsx or .csv file")}</Button>
        <input ref={input} type="file" hidden accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" data-testid="import-file"
          onChange={(e) => { setFile(e.target.files?.[0] ?? null); setReport(null); setError(null); }} />
        <Checkbox checked={validOnly} onChange={(e) => setValidOnly(e.target.checked)}>{t("Nhập các dòng hợp lệ, bỏ qua dòng lỗi", "Import valid rows, skip invalid ones")}</Checkbox>
      </Space>
      {error ? <ProblemAlert error={error} /> : null}
      {report && (
        <>
          <Alert className="mb" type={report.errors.length ? "warning" : "success"} showIcon title={
            report.dry_run ? t("Kết quả kiểm tra (chưa ghi gì)", "Check result (nothing written)") : t("Đã nhập xong", "Import finished")} />
          <Descriptions size="small" column={{ xs: 2, sm: 3 }} className="mb" items={[
            { key: "rows", label: t("Số dòng", "Rows"), children: report.total_rows },
            { key: "created", label: t("Tạo mới", "Created"), children: report.created },
            { key: "updated", label: t("Cập nhật", "Updated"), children: report.updated },
            { key: "unchanged", label: t("Không đổi", "Unchanged"), children: report.unchanged },
            { key: "skipped", label: t("Bỏ qua", "Skipped"), children: report.skipped },
            { key: "errors", label: t("Dòng lỗi", "Rows with errors"), children: new Set(report.errors.map((e) => e.row)).size },
          ]} />
          {report.errors.length > 0 && (
            <Table size="small" rowKey={(e) => `${e.row}-${e.column}-${e.message}`} dataSource={report.errors} pagination={{ pageSize: 10 }} columns={[
              { title: t("Dòng", "Row"), dataIndex: "row", width: 70 },
              { title: t("Cột", "Column"), dataIndex: "column", width: 160 },
              { title: t("Lỗi", "Error"), dataIndex: "message" },
            ]} />
          )}
        </>
      )}
    </Modal>
  );
}
