// The reviewer's screen: answers and evidence by section, the evidence previewed inline beside them, a mark
// per evidence item, comments per section, then return for changes, forward, or approve.
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, DatePicker, Divider, Empty, Form, Input, Modal, Space, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { Campaign, Evidence, ReturnReasons, Submission } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { fromVnWallClock } from "../../lib/deadline";
import { walkSections } from "../../lib/outline";
import { EvidenceList, EvidencePreview, itemsFor, useCatalogue } from "./evidence";
import { Answers } from "./ReadView";

type Mark = "accepted" | "insufficient" | "wrong";

function EvidenceMark({ item }: { item: Evidence }) {
  const t = useT();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const [asking, setAsking] = useState<Mark | null>(null);
  const [reason, setReason] = useState("");
  const save = async (state: Mark, why: string | null) => {
    try {
      await call(api.POST("/api/evidence/files/{item_id}/review", { params: { path: { item_id: item.id } }, body: { state, reason: why } }));
      await queryClient.invalidateQueries({ queryKey: ["evidence", item.submission_id] });
      setAsking(null);
      setReason("");
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Space size={4} wrap className="mt">
      <Button size="small" onClick={() => void save("accepted", null)}>{t("Đạt", "Accept")}</Button>
      <Button size="small" onClick={() => setAsking("insufficient")}>{t("Chưa đủ", "Insufficient")}</Button>
      <Button size="small" onClick={() => setAsking("wrong")}>{t("Không đúng", "Wrong")}</Button>
      <Modal open={asking !== null} title={t("Lý do", "Reason")} okText={t("Lưu", "Save")} cancelText={t("Huỷ", "Cancel")}
        okButtonProps={{ disabled: !reason.trim() }} onOk={() => asking && void save(asking, reason.trim())} onCancel={() => setAsking(null)}>
        <Input.TextArea autoFocus value={reason} onChange={(e) => setReason(e.target.value)} autoSize={{ minRows: 3 }}
          placeholder={t("Ví dụ: văn bản hết hiệu lực, thiếu chữ ký, sai cơ quan ban hành", "e.g. expired document, unsigned, wrong issuer")} />
      </Modal>
    </Space>
  );
}

export function ReviewView({ submission, campaign }: { submission: Submission; campaign: Campaign }) {
  const t = useT();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const catalogue = useCatalogue(submission.id);
  const items = catalogue.data?.items ?? [];
  const [selected, setSelected] = useState<Evidence | null>(null);
  const preview = selected ?? items.find((i) => i.content_type === "application/pdf") ?? items[0] ?? null;
  const [sectionNotes, setSectionNotes] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState("");
  const [comment, setComment] = useState("");
  const [due, setDue] = useState<Dayjs | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const actions = submission.allowed_actions;
  const sections = walkSections(campaign.outline?.sections ?? []);

  const act = async (name: string, work: () => Promise<Submission>, done: string) => {
    setBusy(name);
    setError(null);
    try {
      const updated = await work();
      queryClient.setQueryData(["submission", submission.id], updated);
      await queryClient.invalidateQueries({ queryKey: ["campaign-status"] });
      message.success(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const path = { params: { path: { submission_id: submission.id } } };
  const reasons: ReturnReasons = {
    general: general.trim() || null,
    sections: Object.fromEntries(Object.entries(sectionNotes).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()])),
    criteria: {},
  };
  const hasReason = !!reasons.general || Object.keys(reasons.sections ?? {}).length > 0;

  return (
    <div className="review-layout">
      <div>
        {sections.map((section) => (
          <Card key={section.number} id={`section-${section.number}`} className="section-card" title={`${section.number}. ${section.title}`}>
            <Answers section={section} content={submission.content} />
            <Typography.Title level={4} style={{ fontSize: 15 }}>{t("Minh chứng", "Evidence")}</Typography.Title>
            <EvidenceList items={itemsFor(items, section.number)} editable={false} onPreview={setSelected}
              onReview={(item) => <EvidenceMark item={item} />} />
            {actions.includes("return") && (
              <Form.Item className="mt" label={t(`Nhận xét mục ${section.number} (khi trả lại)`, `Comment on section ${section.number} (when returning)`)} htmlFor={`note-${section.number}`}>
                <Input.TextArea id={`note-${section.number}`} autoSize={{ minRows: 1 }} value={sectionNotes[section.number] ?? ""}
                  onChange={(e) => setSectionNotes((all) => ({ ...all, [section.number]: e.target.value }))} />
              </Form.Item>
            )}
          </Card>
        ))}
      </div>
      <div className="review-side">
        <Card size="small" title={preview ? `${t("Xem trước", "Preview")}: ${preview.title}` : t("Xem trước minh chứng", "Evidence preview")} className="mb">
          {preview ? <EvidencePreview key={preview.id} item={preview} /> : <Empty description={t("Báo cáo chưa có minh chứng", "No evidence attached")} />}
        </Card>
        <Card size="small" title={t("Kết luận thẩm định", "Decision")}>
          {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
          {actions.includes("start_review") && (
            <Alert type="info" className="mb" title={t("Báo cáo đang chờ thẩm định.", "This report is waiting for review.")}
              action={<Button size="small" loading={busy === "start"} onClick={() => void act("start", () => call(api.POST("/api/submissions/submissions/{submission_id}/start-review", path)), t("Đã nhận thẩm định.", "Review started."))}>{t("Nhận thẩm định", "Start review")}</Button>} />
          )}
          {actions.includes("return") && (
            <>
              <Form layout="vertical" component="div">
                <Form.Item label={t("Nhận xét chung khi trả lại", "General comment when returning")} htmlFor="return-general">
                  <Input.TextArea id="return-general" autoSize={{ minRows: 2 }} value={general} onChange={(e) => setGeneral(e.target.value)} />
                </Form.Item>
                <Form.Item label={t("Hạn nộp lại (giờ Việt Nam; mặc định sau 7 ngày)", "Resubmit by (Vietnam time; default in 7 days)")} htmlFor="return-due">
                  <DatePicker id="return-due" showTime={{ format: "HH:mm" }} format="DD/MM/YYYY HH:mm" value={due} onChange={setDue}
                    disabledDate={(d) => d.isBefore(dayjs().startOf("day"))} style={{ width: "100%" }} />
                </Form.Item>
              </Form>
              <Button danger block disabled={!hasReason} loading={busy === "return"} onClick={() => void act("return", () => call(api.POST("/api/submissions/submissions/{submission_id}/return", {
                ...path, body: { reasons, resubmission_due_at: due ? fromVnWallClock(due.format("YYYY-MM-DDTHH:mm")) : null },
              })), t("Đã trả lại báo cáo cho trường.", "The report was returned to the school."))}>
                {t("Trả lại để sửa", "Return for changes")}
              </Button>
              {!hasReason && <div className="muted small mt">{t("Cần ít nhất một nhận xét (chung hoặc theo mục) để trả lại.", "At least one comment (general or per section) is needed to return.")}</div>}
              <Divider />
            </>
          )}
          {(actions.includes("approve") || actions.includes("forward")) && (
            <Form layout="vertical" component="div">
              <Form.Item label={t("Nhận xét khi duyệt (không bắt buộc)", "Comment (optional)")} htmlFor="approve-comment">
                <Input.TextArea id="approve-comment" autoSize={{ minRows: 2 }} value={comment} onChange={(e) => setComment(e.target.value)} />
              </Form.Item>
              <Space wrap>
                {actions.includes("forward") && (
                  <Button loading={busy === "forward"} onClick={() => void act("forward", () => call(api.POST("/api/submissions/submissions/{submission_id}/forward", { ...path, body: { comment: comment.trim() || null } })), t("Đã chuyển lên cấp trên.", "Forwarded."))}>
                    {t("Tiếp nhận, chuyển lên", "Accept and forward")}
                  </Button>
                )}
                {actions.includes("approve") && (
                  <Button type="primary" loading={busy === "approve"} onClick={() => void act("approve", () => call(api.POST("/api/submissions/submissions/{submission_id}/approve", { ...path, body: { comment: comment.trim() || null } })), t("Đã phê duyệt báo cáo.", "The report was approved."))}>
                    {t("Phê duyệt", "Approve")}
                  </Button>
                )}
              </Space>
            </Form>
          )}
        </Card>
      </div>
    </div>
  );
}
