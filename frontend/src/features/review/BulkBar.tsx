// Bulk actions on the selected schools: a confirmation naming them, then a 10-second undo toast while the
// server holds the action back (it runs only when the window ends), then what happened at each school.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Checkbox, DatePicker, Form, Input, List, Modal, Space, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { BulkActionRead, BulkKind, TargetStatusRead } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { ADMIN_ROLES, hasAny } from "../auth/roles";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { fromVnWallClock } from "../../lib/deadline";
import { reviewKeys } from "./api";

const POLL_MS = 1500;
// A date picked without a time ends when offices close, as the deadlines the server sets from a period do.
const END_OF_WORKING_DAY = dayjs().hour(17).minute(0).second(0).millisecond(0);
const OUTCOME_COLORS = { done: "green", skipped: "default", failed: "red" } as const;

export function BulkBar({ campaignId, selected, onDone }: { campaignId: string; selected: TargetStatusRead[]; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const { notification } = App.useApp();
  const [kind, setKind] = useState<BulkKind | null>(null);
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState("");
  const [due, setDue] = useState<Dayjs | null>(null);
  const [accept, setAccept] = useState(false);
  const [finished, setFinished] = useState<BulkActionRead | null>(null);
  // deadlines are the issuer's admins' (the server refuses an extension from a reviewer)
  const admin = hasAny(useMe(), ADMIN_ROLES);

  const LABELS: Record<BulkKind, string> = {
    remind: t("Nhắc nộp ngay", "Remind now"),
    extend: t("Gia hạn", "Extend deadline"),
    return: t("Trả lại", "Return"),
    approve: t("Phê duyệt", "Approve"),
  };
  const ready = kind === "extend" ? !!due && reason.trim().length > 0 : kind === "return" ? reason.trim().length > 0 : true;

  const follow = (action: BulkActionRead) => {
    const key = `bulk-${action.id}`;
    let undone = false;
    const undo = () => {
      undone = true;
      notification.destroy(key);
      cancel.mutateAsync(action.id).then(
        () => notification.info({ message: t("Đã hoàn tác: không trường nào bị ảnh hưởng.", "Undone: no school was affected."), duration: 4 }),
        (e: Error) => notification.error({ message: e.message }),
      );
    };
    notification.info({
      key, duration: 10, message: `${LABELS[action.kind]}: ${action.unit_count} ${t("trường", "schools")}`,
      description: t("Thao tác sẽ chạy sau 10 giây.", "The action runs in 10 seconds."),
      btn: <Button size="small" type="primary" onClick={undo}>{t("Hoàn tác", "Undo")}</Button>,
    });
    const poll = async () => {
      if (undone) return;
      const now = await call(api.GET("/api/submissions/bulk-actions/{action_id}", { params: { path: { action_id: action.id } } }));
      if (now.state === "scheduled") {
        window.setTimeout(() => void poll(), POLL_MS);
        return;
      }
      if (now.state === "done") {
        setFinished(now);
        await queryClient.invalidateQueries({ queryKey: reviewKeys.boards() });
      }
    };
    window.setTimeout(() => void poll(), POLL_MS);
  };

  // The action is held back by the server for 10 seconds (the undo window), then followed until it is done.
  const scheduling = useMutation({
    mutationFn: (chosen: BulkKind) => call(api.POST("/api/submissions/campaigns/{campaign_id}/bulk-actions", {
      params: { path: { campaign_id: campaignId } },
      body: {
        kind: chosen, unit_ids: selected.map((s) => s.unit_id),
        reason: chosen === "extend" ? reason.trim() : null,
        due_at: chosen === "extend" && due ? fromVnWallClock(due.format("YYYY-MM-DDTHH:mm")) : null,
        reasons: chosen === "return" ? { general: reason.trim(), sections: {}, criteria: {} } : null,
        message: chosen === "remind" ? message.trim() || null : null,
        accept_self_scores: chosen === "approve" && accept,
      },
    })),
    onSuccess: (action) => {
      setKind(null);
      setReason("");
      setMessage("");
      onDone();
      follow(action);
    },
  });
  const cancel = useMutation({
    mutationFn: (actionId: string) => call(api.DELETE("/api/submissions/bulk-actions/{action_id}", { params: { path: { action_id: actionId } } })),
  });
  const schedule = () => {
    if (kind) scheduling.mutate(kind);
  };
  const busy = scheduling.isPending;
  const error = scheduling.error;

  return (
    <>
      {selected.length > 0 && (
        <div className="bulk-bar" role="region" aria-label={t("Thao tác với các trường đã chọn", "Actions on the selected schools")}>
          <span className="small">{t(`Đã chọn ${selected.length} trường`, `${selected.length} selected`)}</span>
          <Space wrap size={4}>
            {(Object.keys(LABELS) as BulkKind[]).filter((k) => k !== "extend" || admin).map((k) => (
              <Button key={k} size="small" danger={k === "return"} type={k === "approve" ? "primary" : "default"} onClick={() => setKind(k)}>{LABELS[k]}…</Button>
            ))}
          </Space>
        </div>
      )}
      <Modal open={kind !== null} title={kind ? `${LABELS[kind]}: ${selected.length} ${t("trường", "schools")}` : ""}
        okText={t("Xác nhận", "Confirm")} cancelText={t("Huỷ", "Cancel")} onCancel={() => setKind(null)} onOk={() => void schedule()}
        okButtonProps={{ disabled: !ready, loading: busy }} destroyOnHidden>
        {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
        <ul className="bulk-names small">
          {selected.slice(0, 8).map((s) => <li key={s.unit_id}>{s.unit_name}{kind === "approve" && s.final_score !== null ? ` — ${t("điểm cuối cùng", "final score")} ${s.final_score}` : ""}</li>)}
          {selected.length > 8 && <li>{t(`và ${selected.length - 8} trường khác`, `and ${selected.length - 8} more`)}</li>}
        </ul>
        <Form layout="vertical" component="div">
          {kind === "remind" && (
            <Form.Item label={t("Lời nhắn thêm (không bắt buộc)", "Message (optional)")} htmlFor="bulk-message">
              <Input.TextArea id="bulk-message" autoSize={{ minRows: 2 }} value={message} onChange={(e) => setMessage(e.target.value)} />
            </Form.Item>
          )}
          {kind === "extend" && (
            <Form.Item label={t("Hạn mới (giờ Việt Nam)", "New deadline (Vietnam time)")} htmlFor="bulk-due">
              <DatePicker id="bulk-due" showTime={{ format: "HH:mm", defaultValue: END_OF_WORKING_DAY }} format="DD/MM/YYYY HH:mm" value={due} onChange={setDue} style={{ width: "100%" }} />
            </Form.Item>
          )}
          {(kind === "extend" || kind === "return") && (
            <Form.Item label={kind === "extend" ? t("Lý do gia hạn", "Reason") : t("Nhận xét chung gửi các trường", "Comment for every school")} htmlFor="bulk-reason">
              <Input.TextArea id="bulk-reason" autoSize={{ minRows: 2 }} value={reason} onChange={(e) => setReason(e.target.value)} />
            </Form.Item>
          )}
          {kind === "approve" && (
            <>
              <Alert type="info" className="mb" title={t("Chỉ phê duyệt các báo cáo đạt điều kiện (minh chứng đã xem xét, tiêu chí đã chấm); các báo cáo khác được nêu rõ lý do.", "Only reports that pass the checks are approved; the others are listed with the reason.")} />
              <Checkbox checked={accept} onChange={(e) => setAccept(e.target.checked)}>{t("Chấp nhận điểm tự chấm cho tiêu chí chưa có điểm thẩm định", "Accept self-scores where no review score was given")}</Checkbox>
            </>
          )}
        </Form>
      </Modal>
      <Modal open={finished !== null} title={finished ? `${LABELS[finished.kind]}: ${t("kết quả từng trường", "outcome per school")}` : ""}
        onCancel={() => setFinished(null)} footer={<Button onClick={() => setFinished(null)}>{t("Đóng", "Close")}</Button>}>
        <List size="small" dataSource={finished?.results ?? []} renderItem={(r) => (
          <List.Item>
            <div>
              <Typography.Text strong>{r.unit_name ?? r.unit_id}</Typography.Text>{" "}
              <Tag color={OUTCOME_COLORS[r.outcome]}>{r.outcome === "done" ? t("Đã thực hiện", "Done") : r.outcome === "skipped" ? t("Bỏ qua", "Skipped") : t("Không thực hiện được", "Failed")}</Tag>
              <div className="small">{r.message}</div>
            </div>
          </List.Item>
        )} />
      </Modal>
    </>
  );
}
