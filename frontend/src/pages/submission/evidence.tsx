// Evidence (minh chứng) of one section: the catalogue's items for it, uploads with progress (camera on
// phones), links, and inline preview of PDFs and images.
import { CameraOutlined, DeleteOutlined, EyeOutlined, LinkOutlined, PaperClipOutlined, ReloadOutlined, UploadOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Empty, Form, Input, List, Modal, Popconfirm, Progress, Select, Space, Spin, Tag, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { api, call, download, PAGE_MAX, wholeList } from "../../api/client";
import type { Evidence, UploadResult } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { shrinkPhoto } from "../../lib/photo";
import { formatBytes, uploadEvidence, type UploadState } from "../../lib/upload";

export const FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,.heif,.docx,.xlsx,.pptx,.mp4,application/pdf,image/*";
const INLINE = new Set(["application/pdf", "image/jpeg", "image/png"]);

export function useCatalogue(submissionId: string) {
  return useQuery({
    queryKey: ["evidence", submissionId],
    queryFn: () => wholeList((offset) => api.GET("/api/evidence/submissions/{submission_id}/files", { params: { path: { submission_id: submissionId }, query: { limit: PAGE_MAX, offset } } })),
  });
}

export const REVIEW_STATE: Record<string, { vi: string; en: string; color: string }> = {
  pending: { vi: "Chưa xem xét", en: "Not reviewed", color: "default" },
  accepted: { vi: "Đạt", en: "Accepted", color: "green" },
  insufficient: { vi: "Chưa đủ", en: "Insufficient", color: "orange" },
  wrong: { vi: "Không đúng", en: "Wrong", color: "red" },
};

/** Items attached to a section: its number, or a criterion code below it ("3" holds "3.1"). */
export function itemsFor(items: Evidence[], code: string): Evidence[] {
  return items.filter((item) => item.criterion_codes.some((c) => c === code || c.startsWith(`${code}.`)));
}

function Upload({ job, onRetry, onDismiss }: { job: Job; onRetry: () => void; onDismiss: () => void }) {
  const t = useT();
  const { state, file } = job;
  const percent = state.total ? Math.round((state.loaded / state.total) * 100) : 0;
  const phase: Record<UploadState["phase"], string> = {
    preparing: t("Đang chuẩn bị…", "Preparing…"),
    uploading: t(`Đang tải lên ${percent}%`, `Uploading ${percent}%`),
    retrying: t(`Mất kết nối — đang thử lại (lần ${state.attempt})…`, `Connection lost — retrying (attempt ${state.attempt})…`),
    checking: t("Đang kiểm tra tệp…", "Checking the file…"),
    done: t("Đã tải lên", "Uploaded"),
    failed: t("Không tải lên được", "Upload failed"),
  };
  return (
    <div className="upload-progress" aria-live="polite">
      <div className="small"><PaperClipOutlined /> {file.name} · {phase[state.phase]}</div>
      <Progress percent={state.phase === "done" ? 100 : percent} size="small"
        status={state.phase === "failed" ? "exception" : state.phase === "done" ? "success" : "active"} aria-label={`${file.name} ${percent}%`} />
      {state.phase === "failed" && (
        <ProblemAlert error={state.error} action={
          <Space direction="vertical">
            {state.error?.status !== 413 && state.error?.status !== 422 && <Button size="small" icon={<ReloadOutlined />} onClick={onRetry}>{t("Thử lại", "Retry")}</Button>}
            <Button size="small" onClick={onDismiss}>{t("Bỏ qua", "Dismiss")}</Button>
          </Space>
        } />
      )}
    </div>
  );
}

interface Job {
  key: number;
  file: File;
  state: UploadState;
}

let jobCounter = 0;

/** Uploads tagged with one code: an outline section ("3") or a rubric criterion ("2.1"). */
export function Uploader({ submissionId, code, extraCodes = [], compact = false, onUploaded }: {
  submissionId: string;
  code: string;
  /** More codes the uploads carry: the rubric criteria a section's file is evidence for. */
  extraCodes?: string[];
  compact?: boolean;
  /** Told of each finished upload (a duplicate answers the item already holding the same bytes). */
  onUploaded?: (result: UploadResult) => void;
}) {
  const t = useT();
  const queryClient = useQueryClient();
  const [jobs, setJobs] = useState<Job[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const cameraInput = useRef<HTMLInputElement>(null);
  const aborts = useRef(new Map<number, AbortController>());

  useEffect(() => () => aborts.current.forEach((c) => c.abort()), []);

  const run = (key: number, file: File) => {
    const controller = new AbortController();
    aborts.current.set(key, controller);
    const title = file.name.replace(/\.[^.]+$/, "");
    uploadEvidence({ file, submissionId, criterionCodes: [code, ...extraCodes], title }, (state) =>
      setJobs((all) => all.map((job) => (job.key === key ? { ...job, state } : job))), controller.signal)
      .then((result) => {
        onUploaded?.(result);
        void queryClient.invalidateQueries({ queryKey: ["evidence", submissionId] });
        setTimeout(() => setJobs((all) => all.filter((job) => job.key !== key)), 2500);
      })
      .catch(() => undefined)
      .finally(() => aborts.current.delete(key));
  };

  const start = (files: FileList | null) => {
    for (const original of Array.from(files ?? [])) {
      const key = ++jobCounter;
      setJobs((all) => [...all, { key, file: original, state: { phase: "preparing", loaded: 0, total: original.size, attempt: 1 } }]);
      // A camera photo is shrunk first (PDFs and documents are not touched); a retry sends the shrunk one.
      void shrinkPhoto(original).then((file) => {
        setJobs((all) => all.map((job) => (job.key === key ? { ...job, file, state: { ...job.state, total: file.size } } : job)));
        run(key, file);
      });
    }
  };

  return (
    <div className="uploader">
      <div className="upload-row">
        <Button size={compact ? "small" : undefined} icon={<UploadOutlined />} onClick={() => fileInput.current?.click()}>{compact ? t("Tải lên", "Upload") : t("Tải tệp minh chứng", "Upload evidence")}</Button>
        <Button size={compact ? "small" : undefined} icon={<CameraOutlined />} onClick={() => cameraInput.current?.click()} aria-label={t("Chụp ảnh", "Take a photo")}>{compact ? null : t("Chụp ảnh", "Take a photo")}</Button>
        <input ref={fileInput} type="file" multiple accept={FILE_ACCEPT} hidden aria-label={t("Chọn tệp minh chứng", "Choose evidence files")} data-testid={`file-${code}`}
          onChange={(e) => { start(e.target.files); e.target.value = ""; }} />
        <input ref={cameraInput} type="file" accept="image/*" capture="environment" hidden aria-label={t("Chụp ảnh minh chứng", "Photograph evidence")} data-testid={`camera-${code}`}
          onChange={(e) => { start(e.target.files); e.target.value = ""; }} />
      </div>
      {!compact && <div className="muted small">{t("PDF, ảnh (JPEG, PNG, HEIC), Word, Excel, PowerPoint, video MP4; tối đa 50 MB mỗi tệp.", "PDF, images (JPEG, PNG, HEIC), Word, Excel, PowerPoint, MP4 video; up to 50 MB per file.")}</div>}
      {jobs.map((job) => (
        <Upload key={job.key} job={job} onRetry={() => run(job.key, job.file)} onDismiss={() => setJobs((all) => all.filter((j) => j.key !== job.key))} />
      ))}
    </div>
  );
}

function LinkForm({ submissionId, codes, onDone }: { submissionId: string; codes: string[]; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Form layout="vertical" className="mt" onFinish={async (v: { url: string; title: string }) => {
      setBusy(true);
      setError(null);
      try {
        await call(api.POST("/api/evidence/links", { body: { submission_id: submissionId, url: v.url.trim(), title: v.title.trim(), criterion_codes: codes } }));
        await queryClient.invalidateQueries({ queryKey: ["evidence", submissionId] });
        onDone();
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    }}>
      {error ? <ProblemAlert error={error} /> : null}
      <Form.Item name="title" label={t("Tên minh chứng", "Title")} rules={[{ required: true, message: t("Nhập tên minh chứng", "Enter a title") }]}>
        <Input placeholder={t("Ví dụ: Bài viết trên cổng thông tin", "e.g. Article on the school portal")} />
      </Form.Item>
      <Form.Item name="url" label={t("Địa chỉ liên kết", "Link")} rules={[{ required: true, pattern: /^https?:\/\/\S+$/i, message: t("Nhập địa chỉ bắt đầu bằng http:// hoặc https://", "Enter an address starting with http:// or https://") }]}>
        <Input type="url" inputMode="url" placeholder="https://…" />
      </Form.Item>
      <Space><Button htmlType="submit" type="primary" loading={busy}>{t("Thêm liên kết", "Add link")}</Button><Button onClick={onDone}>{t("Huỷ", "Cancel")}</Button></Space>
    </Form>
  );
}

/** The bytes of a file evidence, shown inline: a PDF in the browser's viewer, an image as itself. */
export function EvidencePreview({ item }: { item: Evidence }) {
  const t = useT();
  const inline = INLINE.has(item.content_type ?? "");
  const query = useEvidenceContent(item, inline);
  if (item.kind === "link")
    return <Typography.Paragraph><LinkOutlined /> <a href={item.url ?? "#"} target="_blank" rel="noreferrer noopener">{item.url}</a></Typography.Paragraph>;
  if (!inline)
    return <Button onClick={() => download(api.GET("/api/evidence/files/{item_id}/content", { params: { path: { item_id: item.id } }, parseAs: "blob" }), item.original_name ?? "minh-chung")}>{t("Tải tệp về máy", "Download the file")}</Button>;
  if (query.error) return <ProblemAlert error={query.error} />;
  if (!query.data) return <div className="page-loading"><Spin /></div>;
  return item.content_type === "application/pdf" ? (
    <iframe className="preview-frame" src={query.data} title={`${t("Xem trước", "Preview")}: ${item.title}`} />
  ) : (
    <img className="preview-image" src={query.data} alt={item.title} />
  );
}

/** The bytes of a file evidence as an object URL (shared by the list's thumbnail and the preview). */
function useEvidenceContent(item: Evidence, enabled: boolean) {
  const query = useQuery({
    queryKey: ["evidence-content", item.id],
    queryFn: async () => {
      const outcome = await api.GET("/api/evidence/files/{item_id}/content", { params: { path: { item_id: item.id } }, parseAs: "blob" });
      if (!outcome.data) throw await call(Promise.resolve(outcome)).catch((e) => e);
      return URL.createObjectURL(new Blob([outcome.data as Blob], { type: item.content_type ?? "application/octet-stream" }));
    },
    enabled,
    staleTime: Infinity,
    gcTime: 60_000,
  });
  return query;
}

const PHOTO = new Set(["image/jpeg", "image/png"]);

/** A photo's thumbnail in the list (its title is beside it), otherwise the kind's icon. */
function EvidenceThumb({ item }: { item: Evidence }) {
  const photo = item.kind === "file" && PHOTO.has(item.content_type ?? "");
  const content = useEvidenceContent(item, photo);
  if (item.kind === "link") return <LinkOutlined />;
  if (!photo) return <PaperClipOutlined />;
  return content.data ? <img className="evidence-thumb" src={content.data} alt="" loading="lazy" /> : <span className="evidence-thumb" aria-hidden="true" />;
}

export function EvidenceList({ items, editable, onPreview, onReview }: {
  items: Evidence[];
  editable: boolean;
  onPreview: (item: Evidence) => void;
  onReview?: (item: Evidence) => React.ReactNode;
}) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  if (items.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("Chưa có minh chứng", "No evidence yet")} />;
  return (
    <List className="evidence-list" size="small" dataSource={items} renderItem={(item) => {
      const review = REVIEW_STATE[item.review_state] ?? REVIEW_STATE.pending;
      return (
        <List.Item actions={[
          <Button key="view" size="small" icon={<EyeOutlined />} onClick={() => onPreview(item)} aria-label={`${t("Xem", "View")} ${item.title}`}>{t("Xem", "View")}</Button>,
          editable && !item.replaced_by_id ? (
            <Popconfirm key="del" title={t("Xoá minh chứng này?", "Delete this evidence?")} okText={t("Xoá", "Delete")} cancelText={t("Không", "No")}
              onConfirm={async () => {
                try {
                  await call(api.DELETE("/api/evidence/files/{item_id}", { params: { path: { item_id: item.id } } }));
                  await queryClient.invalidateQueries({ queryKey: ["evidence", item.submission_id] });
                } catch (e) {
                  message.error((e as Error).message);
                }
              }}>
              <Button size="small" danger icon={<DeleteOutlined />} aria-label={`${t("Xoá", "Delete")} ${item.title}`} />
            </Popconfirm>
          ) : null,
        ].filter(Boolean)}>
          <List.Item.Meta
            avatar={<EvidenceThumb item={item} />}
            title={<span>{(item.codes ?? []).length > 0 && <Tag>{(item.codes ?? []).join(", ")}</Tag>}{item.title}</span>}
            description={
              <>
                <span className="small">{item.kind === "link" ? item.url : `${item.original_name ?? ""} · ${formatBytes(item.size, lang)}`} · {formatDateTime(item.created_at)}</span>
                <div><Tag color={review.color}>{review[lang]}</Tag>{item.review_reason && <span className="small">{item.review_reason}</span>}</div>
                {onReview?.(item)}
              </>
            }
          />
        </List.Item>
      );
    }} />
  );
}

/** Evidence of one section for the school: list, upload, link, preview. */
export function SectionEvidence({ submissionId, code, editable, criteria = [] }: {
  submissionId: string;
  code: string;
  editable: boolean;
  /** The rubric's criteria under this section: new evidence can be tagged with them for self-scoring. */
  criteria?: { code: string; text: string }[];
}) {
  const t = useT();
  const catalogue = useCatalogue(submissionId);
  const [preview, setPreview] = useState<Evidence | null>(null);
  const [linking, setLinking] = useState(false);
  const [tags, setTags] = useState<string[]>([]);
  const items = itemsFor(catalogue.data?.items ?? [], code);
  return (
    <div className="section-evidence">
      <Typography.Title level={4} style={{ fontSize: 15 }}>{t("Minh chứng", "Evidence")}</Typography.Title>
      {catalogue.error ? <ProblemAlert error={catalogue.error} /> : null}
      <EvidenceList items={items} editable={editable} onPreview={setPreview} />
      {editable && (
        <>
          {criteria.length > 0 && (
            <div className="mb">
              <label className="small" htmlFor={`criteria-${code}`}>{t("Minh chứng mới dùng cho tiêu chí chấm điểm", "New evidence counts for the scoring criteria")}</label>
              <Select id={`criteria-${code}`} mode="multiple" allowClear style={{ width: "100%" }} value={tags} onChange={setTags}
                placeholder={t("Chọn tiêu chí (ví dụ 2.1) để dùng khi tự chấm điểm", "Choose criteria (e.g. 2.1) to use when self-scoring")}
                options={criteria.map((c) => ({ value: c.code, label: `${c.code}. ${c.text.length > 70 ? `${c.text.slice(0, 68)}…` : c.text}` }))} />
            </div>
          )}
          <Uploader submissionId={submissionId} code={code} extraCodes={tags} />
          {linking ? <LinkForm submissionId={submissionId} codes={[code, ...tags]} onDone={() => setLinking(false)} />
            : <Button type="link" icon={<LinkOutlined />} onClick={() => setLinking(true)} style={{ paddingLeft: 0 }}>{t("Thêm minh chứng là liên kết", "Add a link as evidence")}</Button>}
        </>
      )}
      <Modal open={preview !== null} onCancel={() => setPreview(null)} footer={null} width={960} title={preview?.title} destroyOnHidden>
        {preview && <EvidencePreview item={preview} />}
      </Modal>
    </div>
  );
}
