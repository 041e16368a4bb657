// "Quyền bổ sung cho cán bộ xã/phường" (issue 20): a commune official reads its schools' reports; the Sở may grant
// one of them more — the reminders and escalations for the commune's schools, or reviewing them (review, return,
// approve, review scores) in the Sở's campaigns. Revoking keeps the grant in the history and ends the official's
// sessions, so the right stops at once.
import { PlusOutlined } from "@ant-design/icons";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Checkbox, DatePicker, Form, Input, Modal, Popconfirm, Select, Switch, Table, Tag } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { IdentityComponents } from "../../api/generated";
import { fieldErrors, ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { formatDate } from "../../lib/deadline";
import { UnitPicker } from "../units/UnitPicker";
import { communeGrantKeys } from "./api";

type Grant = IdentityComponents["schemas"]["CommuneGrantRead"];
type Right = IdentityComponents["schemas"]["GrantRight"];
const PAGE = 10;

function useRightLabels(): Record<Right, string> {
  const t = useT();
  return {
    reminders: t("Nhận nhắc việc, cảnh báo quá hạn", "Reminders and escalations"),
    review: t("Thẩm định, trả lại, phê duyệt, chấm điểm", "Review, return, approve, score"),
  };
}

interface GrantDraft { commune_id: string | null; user_id: string; rights: Right[]; valid_from?: Dayjs | null; valid_to?: Dayjs | null; note?: string }

function GrantForm({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const labels = useRightLabels();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<GrantDraft>();
  const communeId = Form.useWatch("commune_id", form) ?? null;
  const officials = useQuery({
    queryKey: communeGrantKeys.officials(communeId),
    queryFn: () => call(api.GET("/api/identity/users", { params: { query: { unit_ids: [communeId ?? ""], limit: 100 } } })),
    enabled: communeId !== null,
  });
  const grant = useMutation({
    mutationFn: (draft: GrantDraft) => call(api.POST("/api/identity/commune-grants", { body: {
      user_id: draft.user_id, rights: draft.rights, note: draft.note?.trim() || null,
      valid_from: draft.valid_from ? draft.valid_from.format("YYYY-MM-DD") : null,
      valid_to: draft.valid_to ? draft.valid_to.format("YYYY-MM-DD") : null } })),
    onSuccess: async () => {
      message.success(t("Đã cấp quyền.", "Granted."));
      await queryClient.invalidateQueries({ queryKey: communeGrantKeys.lists() });
      onClose();
    },
  });
  const errors = fieldErrors(grant.error);
  return (
    <Modal open={open} title={t("Cấp quyền bổ sung cho cán bộ xã/phường", "Grant a commune official more rights")} okText={t("Cấp quyền", "Grant")}
      cancelText={t("Huỷ", "Cancel")} confirmLoading={grant.isPending} onCancel={onClose} onOk={() => form.submit()} destroyOnHidden>
      {grant.error ? <div className="mb"><ProblemAlert error={grant.error} showErrors={false} /></div> : null}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ commune_id: null, rights: ["review"] }} onFinish={(draft) => grant.mutate(draft)}>
        <Form.Item name="commune_id" label={t("UBND xã/phường", "Commune")} rules={[{ required: true, message: t("Chọn xã/phường", "Choose a commune") }]}>
          <UnitPicker types={["commune"]} placeholder={t("Gõ tên hoặc mã xã/phường", "Type a commune name or code")} />
        </Form.Item>
        <Form.Item name="user_id" label={t("Cán bộ được cấp quyền", "Official")} rules={[{ required: true, message: t("Chọn cán bộ", "Choose an official") }]}
          validateStatus={errors.user_id ? "error" : undefined} help={errors.user_id}>
          <Select disabled={communeId === null} loading={officials.isFetching} placeholder={t("Chọn xã/phường trước", "Choose the commune first")}
            options={(officials.data?.items ?? []).filter((u) => u.active).map((u) => ({ value: u.id, label: `${u.full_name} (${u.email})` }))} />
        </Form.Item>
        <Form.Item name="rights" className="no-optional-mark" label={t("Quyền", "Rights")} rules={[{
          // A validator, not `required`: antd would put aria-required on the group, which ARIA does not allow there.
          validator: (_, value?: Right[]) => value?.length ? Promise.resolve() : Promise.reject(new Error(t("Chọn ít nhất một quyền", "Choose at least one"))),
        }]}
          validateStatus={errors.rights ? "error" : undefined} help={errors.rights}>
          <Checkbox.Group options={(Object.keys(labels) as Right[]).map((r) => ({ value: r, label: labels[r] }))} />
        </Form.Item>
        <div className="grant-dates">
          <Form.Item name="valid_from" label={t("Hiệu lực từ ngày", "Valid from")} extra={t("Bỏ trống: từ hôm nay", "Empty: from today")} validateStatus={errors.valid_from ? "error" : undefined} help={errors.valid_from}>
            <DatePicker format="DD/MM/YYYY" placeholder={t("Chọn ngày", "Pick a date")} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="valid_to" label={t("Hết hiệu lực từ ngày", "Ends on")} extra={t("Bỏ trống: đến khi thu hồi", "Empty: until revoked")} validateStatus={errors.valid_to ? "error" : undefined} help={errors.valid_to}>
            <DatePicker format="DD/MM/YYYY" placeholder={t("Chọn ngày", "Pick a date")} style={{ width: "100%" }} />
          </Form.Item>
        </div>
        <Form.Item name="note" label={t("Căn cứ, ghi chú", "Basis, note")} validateStatus={errors.note ? "error" : undefined} help={errors.note}>
          <Input maxLength={500} placeholder={t("Ví dụ: Quyết định 12/QĐ-SGDĐT giao thẩm định", "e.g. the decision's number")} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The Sở's grants to commune officials: list, grant, revoke. */
export function CommuneGrantsCard() {
  const t = useT();
  const labels = useRightLabels();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [granting, setGranting] = useState(false);
  const grants = useQuery({
    queryKey: communeGrantKeys.list(includeRevoked, page),
    queryFn: () => call(api.GET("/api/identity/commune-grants", { params: { query: { include_revoked: includeRevoked, limit: PAGE, offset: (page - 1) * PAGE } } })),
    placeholderData: keepPreviousData,
  });
  const revoke = useMutation({
    mutationFn: (grant: Grant) => call(api.DELETE("/api/identity/commune-grants/{grant_id}", { params: { path: { grant_id: grant.id } } })),
    onSuccess: async () => {
      message.success(t("Đã thu hồi quyền; cán bộ phải đăng nhập lại.", "Revoked; the official must sign in again."));
      await queryClient.invalidateQueries({ queryKey: communeGrantKeys.lists() });
    },
  });
  return (
    <Card className="mt card-wrapping-title" title={t("Quyền bổ sung cho cán bộ xã/phường", "Additional rights for commune officials")}>
      <p className="muted">{t("Cán bộ UBND xã/phường mặc định chỉ xem tình hình, kết quả báo cáo của các trường trên địa bàn. Sở có thể cấp thêm quyền nhận nhắc việc hoặc quyền thẩm định các báo cáo đó.",
        "Commune officials only read their schools' status and results; the department may grant reminders or reviewing.")}</p>
      <div className="filters grant-filters">
        <Button icon={<PlusOutlined />} onClick={() => setGranting(true)}>{t("Cấp quyền", "Grant")}</Button>
        <Switch checked={includeRevoked} onChange={(v) => { setIncludeRevoked(v); setPage(1); }} aria-label={t("Hiện cả quyền đã thu hồi", "Show revoked")} />
        <span>{t("Hiện cả quyền đã thu hồi", "Show revoked")}</span>
      </div>
      {grants.error ? <ProblemAlert error={grants.error} /> : null}
      {revoke.error ? <ProblemAlert error={revoke.error} /> : null}
      <Table<Grant> rowKey="id" loading={grants.isFetching} dataSource={grants.data?.items ?? []} scroll={{ x: 900 }}
        pagination={{ current: page, pageSize: PAGE, total: grants.data?.total ?? 0, onChange: setPage, showSizeChanger: false, hideOnSinglePage: true }}
        locale={{ emptyText: t("Chưa cấp quyền bổ sung nào.", "No grants yet.") }}
        columns={[
          { title: t("Cán bộ", "Official"), dataIndex: "user_name", render: (name: string, g) => <>{name}<div className="muted">{g.user_email}</div></> },
          { title: t("Xã/phường", "Commune"), dataIndex: "commune_name" },
          { title: t("Quyền", "Rights"), dataIndex: "rights", render: (rights: Right[]) => rights.map((r) => <Tag key={r}>{labels[r]}</Tag>) },
          { title: t("Hiệu lực", "Valid"), dataIndex: "valid_from", width: 170,
            render: (from: string, g) => `${formatDate(from)} – ${g.valid_to ? formatDate(g.valid_to) : t("khi thu hồi", "until revoked")}` },
          { title: t("Trạng thái", "State"), dataIndex: "in_force", width: 130,
            render: (inForce: boolean, g) => g.revoked_at ? <Tag>{t("Đã thu hồi", "Revoked")}</Tag> : inForce ? <Tag color="green">{t("Đang hiệu lực", "In force")}</Tag> : <Tag color="gold">{t("Chưa/hết hiệu lực", "Not in force")}</Tag> },
          { title: <span className="sr-only">{t("Thao tác", "Actions")}</span>, key: "actions", width: 110, render: (_: unknown, g) => g.revoked_at ? null : (
            <Popconfirm title={t(`Thu hồi quyền của ${g.user_name}?`, `Revoke ${g.user_name}'s rights?`)} okText={t("Thu hồi", "Revoke")} cancelText={t("Huỷ", "Cancel")}
              onConfirm={() => revoke.mutate(g)}>
              <Button danger size="small" loading={revoke.isPending && revoke.variables?.id === g.id}>{t("Thu hồi", "Revoke")}</Button>
            </Popconfirm>
          ) },
        ]} />
      <GrantForm open={granting} onClose={() => setGranting(false)} />
    </Card>
  );
}
