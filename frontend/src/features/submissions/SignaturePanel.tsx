// The digital signature (ký số) of the submitted report: "Đã ký số" with what the server verified (signer,
// issuing CA, signing time, timestamp, the organisation's seal, warnings), the signed file to download, and
// for the school's principal the upload of the PDF signed in the CA's signing tool.
import { DownloadOutlined, SafetyCertificateOutlined, UploadOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Space, Tag, Typography } from "antd";
import { useRef } from "react";
import { api, call, download } from "../../api/client";
import type { Submission } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { hasAny } from "../auth/roles";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { fileBody } from "../../components/ImportDialog";
import { SIGNATURE_COLORS } from "../../components/tags";
import { submissionKeys } from "./api";

export function SignaturePanel({ submission }: { submission: Submission }) {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const key = submissionKeys.signature(submission.id, submission.submit_count);
  const status = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET("/api/submissions/submissions/{submission_id}/signature", { params: { path: { submission_id: submission.id } } })),
    enabled: submission.submit_count > 0,
  });
  const upload = useMutation({
    mutationFn: (file: File) => call(api.POST("/api/submissions/submissions/{submission_id}/signature", {
      params: { path: { submission_id: submission.id } }, ...fileBody(file),
    })),
    onSuccess: (data) => {
      client.setQueryData(key, data);
      message.success(t("Đã nhận bản báo cáo đã ký số.", "Signed report accepted."));
    },
  });
  if (submission.submit_count === 0 || !status.data) return status.error ? <ProblemAlert error={status.error} /> : null;
  const s = status.data;
  const facts = s.signature;
  const principal = hasAny(me, ["principal"]) && me?.unit_id === submission.unit_id;
  const getFile = async () => {
    try {
      await download(api.GET("/api/submissions/submissions/{submission_id}/signature/file", { params: { path: { submission_id: submission.id } }, parseAs: "blob" }), "bao-cao-da-ky.pdf");
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Card size="small" className="mb signature-panel" title={
      <Space wrap size={[8, 4]}>
        <SafetyCertificateOutlined />
        <span>{t("Chữ ký số", "Digital signature")}</span>
        <Tag color={SIGNATURE_COLORS[s.state]} data-testid="signature-state">{s.label}</Tag>
      </Space>
    } extra={facts && <Button size="small" icon={<DownloadOutlined />} onClick={() => void getFile()}>{t("Tải bản đã ký", "Signed file")}</Button>}>
      {s.reason && <Typography.Paragraph type={s.state === "invalid" ? "danger" : "secondary"}>{s.reason}</Typography.Paragraph>}
      {s.required && s.state !== "signed" && (
        <Alert className="mb" type="info" showIcon title={t("Đợt báo cáo yêu cầu chữ ký số hợp lệ của Hiệu trưởng trước khi phê duyệt.", "The campaign requires the principal's valid digital signature before approval.")} />
      )}
      {facts && (
        <Descriptions size="small" column={{ xs: 1, sm: 1, md: 2 }} items={[
          { key: "signer", label: t("Người ký", "Signed by"), children: <>{facts.signer_name}{!facts.name_matches && <Tag color="orange" style={{ marginInlineStart: 8 }}>{t("Khác tên Hiệu trưởng", "Name differs")}</Tag>}</> },
          { key: "issuer", label: t("Tổ chức chứng thực", "Certificate authority"), children: facts.signer_issuer },
          { key: "time", label: t("Thời điểm ký", "Signing time"), children: formatDateTime(facts.signing_time) || "—" },
          { key: "timestamp", label: t("Dấu thời gian", "Timestamp"), children: formatDateTime(facts.timestamp_time) || t("Không có", "None") },
          { key: "seal", label: t("Chữ ký số cơ quan (con dấu)", "Organisation seal"), children: facts.seal_name ?? t("Không có", "None") },
          { key: "version", label: t("Phiên bản được ký", "Signed version"), children: `${facts.version_number} (${formatDateTime(facts.uploaded_at)})` },
        ]} />
      )}
      {facts && facts.warnings.length > 0 && (
        <Alert className="mt" type="warning" showIcon title={t("Lưu ý", "Notes")} description={<ul className="problem-errors">{facts.warnings.map((w) => <li key={w}>{w}</li>)}</ul>} />
      )}
      {principal && s.state !== "signed" && (
        <div className="mt">
          <Typography.Paragraph className="small muted">
            {t(`Tải bản PDF của phiên bản ${s.current_version ?? ""} (nút "Xuất báo cáo"), ký số bằng USB token hoặc dịch vụ ký số từ xa, rồi tải tệp đã ký lên đây.`,
              `Download the PDF of version ${s.current_version ?? ""} ("Export"), sign it with your token or remote signing service, then upload the signed file here.`)}
          </Typography.Paragraph>
          <input ref={input} type="file" accept="application/pdf,.pdf" hidden aria-label={t("Tệp PDF đã ký số", "Signed PDF file")}
            onChange={(e) => { const file = e.target.files?.[0]; if (file) upload.mutate(file); e.target.value = ""; }} />
          <Button type="primary" icon={<UploadOutlined />} loading={upload.isPending} onClick={() => input.current?.click()}>
            {t("Tải lên bản PDF đã ký số", "Upload the signed PDF")}
          </Button>
        </div>
      )}
      {upload.error && <div className="mt"><ProblemAlert error={upload.error} /></div>}
    </Card>
  );
}
