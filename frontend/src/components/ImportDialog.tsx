// A file import in two steps: check first (nothing written) and see what the file would do or every problem in
// it, then import. One dialog for the units and accounts imports (XLSX/CSV: rows created, updated, skipped, and
// the bad rows) and the rubric import (XLSX/JSON: the rubric as it would be saved, or the problems by sheet).
import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Checkbox, Descriptions, Modal, Space, Table, Typography } from "antd";
import { useRef, useState, type ReactNode } from "react";
import type { ImportReport } from "../api/types";
import { ProblemAlert } from "./ProblemAlert";
import { useT } from "../i18n/lang";

/** Check (`dryRun`) or import `file`; `validOnly` skips the bad rows instead of refusing the whole file. */
export type Importer<R> = (file: File, options: { dryRun: boolean; validOnly: boolean }) => Promise<R>;

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

export function ImportDialog<R>({ open, onClose, title, help, run, onImported, template, accept, chooseLabel, fileTestId = "import-file",
  validOnlyChoice = false, importLabel, canImport, result, problems, width = 760 }: {
  open: boolean;
  onClose: () => void;
  title: string;
  help: ReactNode;
  run: Importer<R>;
  onImported: (result: R) => void;
  /** Download the service's XLSX template (its header is exactly what the import reads). */
  template: () => Promise<void>;
  /** The file chooser's `accept` and its button's label. */
  accept: string;
  chooseLabel: string;
  fileTestId?: string;
  /** Offer "import the valid rows, skip the bad ones" (row imports); otherwise a file imports whole or not at all. */
  validOnlyChoice?: boolean;
  importLabel: string;
  /** Whether the import button may be pressed after `last` (the last answer, a check's or an import's). */
  canImport: (last: R | undefined) => boolean;
  /** What a check or an import answered. */
  result: (answer: R) => ReactNode;
  /** The problems of a refused file as a table, instead of the list under the error. */
  problems?: (error: unknown) => ReactNode;
  width?: number;
}) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [validOnly, setValidOnly] = useState(false);
  const [templateError, setTemplateError] = useState<unknown>(null);
  const importing = useMutation({
    mutationFn: ({ chosen, dryRun }: { chosen: File; dryRun: boolean }) => run(chosen, { dryRun, validOnly: dryRun || (validOnlyChoice && validOnly) }),
    onSuccess: (answer, { dryRun }) => {
      if (!dryRun) onImported(answer);
    },
  });
  const go = (dryRun: boolean) => {
    setTemplateError(null);
    if (file) importing.mutate({ chosen: file, dryRun });
  };
  const reset = () => {
    setFile(null);
    setTemplateError(null);
    importing.reset();
  };
  const error = importing.error ?? templateError;

  return (
    <Modal open={open} title={title} width={width} onCancel={() => { reset(); onClose(); }} destroyOnHidden footer={
      <Space wrap>
        <Button onClick={() => go(true)} disabled={!file} loading={importing.isPending}>{t("Kiểm tra tệp", "Check the file")}</Button>
        <Button type="primary" onClick={() => go(false)} disabled={!file || !canImport(importing.data)} loading={importing.isPending}>{importLabel}</Button>
      </Space>
    }>
      <Typography.Paragraph className="small">{help}</Typography.Paragraph>
      <Button className="mb import-template" icon={<DownloadOutlined />} onClick={() => void template().catch(setTemplateError)}>{t("Tải tệp mẫu (.xlsx)", "Download the template (.xlsx)")}</Button>
      <Space wrap className="mb">
        <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>{file ? file.name : chooseLabel}</Button>
        <input ref={input} type="file" hidden accept={accept} data-testid={fileTestId}
          onChange={(e) => { setFile(e.target.files?.[0] ?? null); setTemplateError(null); importing.reset(); }} />
        {validOnlyChoice && (
          <Checkbox checked={validOnly} onChange={(e) => setValidOnly(e.target.checked)}>{t("Nhập các dòng hợp lệ, bỏ qua dòng lỗi", "Import valid rows, skip invalid ones")}</Checkbox>
        )}
      </Space>
      {error ? <div className="mb"><ProblemAlert error={error} showErrors={!problems} /></div> : null}
      {importing.error && problems ? problems(importing.error) : null}
      {importing.data !== undefined && result(importing.data)}
    </Modal>
  );
}

/** What a row import (units, accounts) answered: the counts, and the bad rows by row and column. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const t = useT();
  return (
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
  );
}

/** The props every row import (units, accounts) shares: the file kinds, the choice to skip bad rows, the report. */
export function rowImport(t: (vi: string, en: string) => string) {
  return {
    accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
    chooseLabel: t("Chọn tệp .xlsx hoặc .csv", "Choose an .xlsx or .csv file"),
    validOnlyChoice: true,
    importLabel: t("Nhập dữ liệu", "Import"),
    canImport: (last: ImportReport | undefined) => last?.dry_run !== false,
    result: (report: ImportReport) => <ImportReportView report={report} />,
  };
}
