// The reviewer's screen: answers and evidence by section, the evidence previewed inline beside them, a mark
// per evidence item, comments per section, then return for changes, forward, or approve.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, DatePicker, Divider, Empty, Form, Input, Modal, Space, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api, call } from "../../api/client";
import type { ApprovalCheck, Campaign, DecisionRead, Evidence, ReturnReasons, Submission } from "../../api/types";
import { Answers } from "../../components/Answers";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { fromVnWallClock } from "../../lib/deadline";
import { walkSections } from "../../lib/outline";
import { useCatalogue, useMarkEvidence, type EvidenceMark } from "../evidence/api";
import { EvidenceList, EvidencePreview, itemsFor } from "../evidence/evidence";
import { reviewKeys } from "./api";

function EvidenceMark({ item }: { item: Evidence }) {
  const t = useT();
  const { message } = App.useApp();
  const mark = useMarkEvidence();
  const [asking, setAsking] = useState<EvidenceMark | null>(null);
  const [reason, setReason] = useState("");
  const save = (state: EvidenceMark, why: string | null) => mark.mutate({ item, state, reason: why }, {
    onSuccess: () => {
      setAsking(null);
      setReason("");
    },
    onError: (e) => message.error(e.message),
  });
  return (
    <Space size={4} wrap className="mt">
      <Button size="small" onClick={() => save("accepted", null)}>{t("Đạt", "Accept")}</Button>
      <Button size="small" onClick={() => setAsking("insufficient")}>{t("Chưa đủ", "Insufficient")}</Button>
      <Button size="small" onClick={() => setAsking("wrong")}>{t("Không đúng", "Wrong")}</Button>
      <Modal open={asking !== null} title={t("Lý do", "Reason")} okText={t("Lưu", "Save")} cancelText={t("Huỷ", "Cancel")}
        okButtonProps={{ disabled: !reason.trim(), loading: mark.isPending }} onOk={() => asking && save(asking, reason.trim())} onCancel={() => setAsking(null)}>
        <Input.TextArea autoFocus value={reason} onChange={(e) => setReason(e.target.value)} autoSize={{ minRows: 3 }}
          placeholder={t("Ví dụ: văn bản hết hiệu lực, thiếu chữ ký, sai cơ quan ban hành", "e.g. expired document, unsigned, wrong issuer")} />
      </Modal>
    </Space>
  );
}

const score = (value: number | null | undefined) => (value === null || value === undefined ? "—" : String(value).replace(".", ","));

// Approval says why it cannot happen yet (evidence not looked at, criteria without a review score) and asks the
// reviewer to confirm the school and the final score they are approving.
function ApproveDialog({ submission, open, onClose, onApproved, comment }: {
  submission: Submission; open: boolean; onClose: () => void; onApproved: (decision: DecisionRead) => void; comment: string;
}) {
  const t = useT();
  const [accept, setAccept] = useState(false);
  const [check, setCheck] = useState<ApprovalCheck | null>(null);
  const [checkError, setCheckError] = useState<unknown>(null);
  const path = { params: { path: { submission_id: submission.id } } };
  const approval = useMutation({
    mutationFn: (confirmed: ApprovalCheck) => call(api.POST("/api/submissions/submissions/{submission_id}/approve", { ...path, body: {
      comment: comment.trim() || null, confirm_unit_name: confirmed.unit_name, confirm_final_score: confirmed.final_score,
      accept_self_scores: accept } })),
    onSuccess: onApproved,
  });
  const error = approval.error ?? checkError;
  const load = async (acceptSelf: boolean) => {
    setCheckError(null);
    approval.reset();
    try {
      setCheck(await call(api.GET("/api/submissions/submissions/{submission_id}/approval-check", {
        params: { path: { submission_id: submission.id }, query: { accept_self_scores: acceptSelf } } })));
    } catch (e) {
      setCheckError(e);
    }
  };
  const approve = () => {
    if (check) approval.mutate(check);
  };
  return (
    <Modal open={open} title={t("Xác nhận phê duyệt", "Confirm approval")} okText={t("Phê duyệt", "Approve")} cancelText={t("Huỷ", "Cancel")}
      afterOpenChange={(visible) => { if (visible) void load(accept); }} onCancel={onClose} onOk={approve}
      okButtonProps={{ disabled: !check?.ready, loading: approval.isPending }} destroyOnHidden>
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      {check && !check.ready && (
        <Alert type="warning" className="mb" title={t("Chưa phê duyệt được:", "Cannot approve yet:")}
          description={<ul className="guard-reasons">{check.reasons.map((r) => <li key={r}>{r}</li>)}</ul>} />
      )}
      {check && check.unscored_criteria.length > 0 && (
        <Checkbox className="mb" checked={accept} onChange={(e) => { setAccept(e.target.checked); void load(e.target.checked); }}>
          {t(`Chấp nhận điểm tự chấm cho ${check.unscored_criteria.length} tiêu chí chưa có điểm thẩm định`, `Accept the self-scores of ${check.unscored_criteria.length} criteria not review-scored`)}
        </Checkbox>
      )}
      {check && (
        <p className="confirm-line">
          {t("Phê duyệt báo cáo của", "Approve the report of")} <strong>{check.unit_name}</strong>
          {check.final_score !== null && <>{t(", điểm cuối cùng", ", final score")} <strong>{score(check.final_score)}</strong></>}.
        </p>
      )}
    </Modal>
  );
}

/** The reviewer's screen of a report. `onDecided` receives the report as a decision left it: the page that shows the
 * report keeps its own copy (its cache) up to date. */
export function ReviewView({ submission, campaign, onDecided }: {
  submission: Submission; campaign: Campaign; onDecided: (decided: Submission) => void;
}) {
  const t = useT();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [approving, setApproving] = useState(false);
  const [declining, setDeclining] = useState(false);
  const [declineReason, setDeclineReason] = useState("");
  const catalogue = useCatalogue(submission.id);
  const items = catalogue.data?.items ?? [];
  const [selected, setSelected] = useState<Evidence | null>(null);
  const preview = selected ?? items.find((i) => i.content_type === "application/pdf") ?? items[0] ?? null;
  const [sectionNotes, setSectionNotes] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState("");
  const [comment, setComment] = useState("");
  const [due, setDue] = useState<Dayjs | null>(null);
  const actions = submission.allowed_actions;
  const sections = walkSections(campaign.outline?.sections ?? []);
  // Evidence attached to no section is reviewed too: an approval waits for every item.
  const unplaced = items.filter((item) => !sections.some((section) => itemsFor([item], section.number).length > 0));

  // After a decision the next report of my queue opens ("Tiếp theo"); the board is refreshed behind it.
  const decided = async (decision: Submission | DecisionRead, done: string) => {
    onDecided(decision);
    await queryClient.invalidateQueries({ queryKey: reviewKeys.boards() });
    const next = "next" in decision ? decision.next : null;
    if (next?.submission_id) {
      message.success(`${done} ${t("Tiếp theo:", "Next:")} ${next.unit_name}`);
      navigate(`/submissions/${next.submission_id}`);
    } else {
      message.success(next ? `${done} ${t("Đã hết báo cáo chờ thẩm định.", "Nothing left to review.")}` : done);
    }
  };
  // One write at a time: a decision (the report's new state comes back) or a change of who reviews it (none).
  const step = useMutation({
    mutationFn: ({ work }: { name: string; work: () => Promise<Submission | DecisionRead | null>; done: string }) => work(),
    onSuccess: async (result, { done }) => {
      if (result) return decided(result, done);
      await queryClient.invalidateQueries({ queryKey: reviewKeys.boards() });
      message.success(done);
    },
  });
  const busy = step.isPending ? step.variables.name : null;
  const error = step.error;
  const act = (name: string, work: () => Promise<Submission | DecisionRead>, done: string) => step.mutate({ name, work, done });
  const assignment = (name: "claim" | "release" | "decline", done: string) => step.mutate({ name, done, work: async () => {
    if (name === "decline") {
      await call(api.POST("/api/submissions/submissions/{submission_id}/decline", { ...path, body: { reason: declineReason.trim() } }));
      setDeclining(false);
    } else {
      await call(name === "claim" ? api.POST("/api/submissions/submissions/{submission_id}/claim", path)
        : api.POST("/api/submissions/submissions/{submission_id}/release", path));
    }
    return null;
  } });
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
        {unplaced.length > 0 && (
          <Card className="section-card" title={t("Minh chứng chung (không gắn mục)", "Other evidence")}>
            <EvidenceList items={unplaced} editable={false} onPreview={setSelected} onReview={(item) => <EvidenceMark item={item} />} />
          </Card>
        )}
      </div>
      <div className="review-side">
        <Card size="small" title={preview ? `${t("Xem trước", "Preview")}: ${preview.title}` : t("Xem trước minh chứng", "Evidence preview")} className="mb">
          {preview ? <EvidencePreview key={preview.id} item={preview} /> : <Empty description={t("Báo cáo chưa có minh chứng", "No evidence attached")} />}
        </Card>
        <Card size="small" title={t("Kết luận thẩm định", "Decision")}>
          {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
          {(actions.includes("approve") || actions.includes("start_review")) && (
            <Space wrap className="mb">
              <Button size="small" loading={busy === "claim"} onClick={() => void assignment("claim", t("Đã nhận vào hàng đợi của tôi.", "Added to my queue."))}>{t("Nhận về tôi", "Claim")}</Button>
              <Button size="small" loading={busy === "release"} onClick={() => void assignment("release", t("Đã trả về hàng đợi chung.", "Released."))}>{t("Trả về hàng đợi", "Release")}</Button>
              <Button size="small" danger onClick={() => setDeclining(true)}>{t("Từ chối thẩm định", "Decline")}</Button>
            </Space>
          )}
          <Modal open={declining} title={t("Từ chối thẩm định trường này", "Decline to review this school")} okText={t("Từ chối", "Decline")} cancelText={t("Huỷ", "Cancel")}
            okButtonProps={{ disabled: declineReason.trim().length < 3, loading: busy === "decline" }} onCancel={() => setDeclining(false)}
            onOk={() => void assignment("decline", t("Đã ghi nhận từ chối; báo cáo không còn giao cho bạn.", "Declined."))}>
            <Form layout="vertical" component="div">
              <Form.Item label={t("Lý do (ví dụ: xung đột lợi ích — trường cũ của tôi)", "Reason (e.g. conflict of interest)")} htmlFor="decline-reason">
                <Input.TextArea id="decline-reason" autoSize={{ minRows: 2 }} value={declineReason} onChange={(e) => setDeclineReason(e.target.value)} />
              </Form.Item>
            </Form>
          </Modal>
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
                <Form.Item label={t(`Hạn nộp lại (giờ Việt Nam; mặc định: sau ${campaign.revision_days} ngày, không sớm hơn hạn của đợt, 17:00 ngày làm việc)`, `Resubmit by (Vietnam time; default: in ${campaign.revision_days} days, not before the campaign deadline, 17:00 on a working day)`)} htmlFor="return-due">
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
                  <Button type="primary" onClick={() => setApproving(true)}>
                    {t("Phê duyệt…", "Approve…")}
                  </Button>
                )}
              </Space>
            </Form>
          )}
          <ApproveDialog submission={submission} open={approving} comment={comment} onClose={() => setApproving(false)}
            onApproved={(decision) => { setApproving(false); void decided(decision, t("Đã phê duyệt báo cáo.", "The report was approved.")); }} />
        </Card>
      </div>
    </div>
  );
}
