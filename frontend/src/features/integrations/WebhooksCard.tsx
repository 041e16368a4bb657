// Webhooks of the admin's unit: an outside system's HTTPS endpoint told of events of the subtree, each delivery
// signed with the secret shown once here (docs/integrations.md). Disabled automatically after repeated failures;
// the log shows what the endpoint answered last.
import { SendOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, Form, Input, List, Modal, Popconfirm, Skeleton, Tag, Typography } from "antd";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { Webhook, WebhookCreated, WebhookEventType } from "../../api/types";
import { CopyField } from "../../components/CopyField";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { integrationKeys } from "./api";
import { formatDateTime } from "../../lib/deadline";

const EVENT_LABELS: Record<WebhookEventType, [vi: string, en: string]> = {
  "submission.submitted": ["Báo cáo được nộp", "Report submitted"],
  "submission.returned": ["Báo cáo bị trả lại", "Report returned"],
  "submission.approved": ["Báo cáo được duyệt", "Report approved"],
  "results.published": ["Công bố kết quả", "Results published"],
  "campaign.published": ["Ban hành đợt báo cáo", "Campaign published"],
  "campaign.closed": ["Đóng đợt báo cáo", "Campaign closed"],
};

function DeliveryLog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const t = useT();
  const client = useQueryClient();
  const key = integrationKeys.deliveries(webhook.id);
  const log = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET("/api/notifications/webhooks/{subscription_id}/deliveries",
      { params: { path: { subscription_id: webhook.id }, query: { limit: 50 } } })),
  });
  const redeliver = useMutation({
    mutationFn: (deliveryId: string) => call(api.POST("/api/notifications/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver",
      { params: { path: { subscription_id: webhook.id, delivery_id: deliveryId } } })),
    onSettled: () => client.invalidateQueries({ queryKey: key }),
  });
  const statusTag = (status: string) => status === "delivered" ? <Tag color="green">{t("Đã nhận", "Delivered")}</Tag>
    : status === "failed" ? <Tag color="red">{t("Thất bại", "Failed")}</Tag> : <Tag color="gold">{t("Đang chờ gửi", "Waiting")}</Tag>;
  return (
    <Modal open title={t("Nhật ký gửi webhook", "Webhook delivery log")} onCancel={onClose} footer={null} width={720}>
      {redeliver.error ? <div className="mb"><ProblemAlert error={redeliver.error} /></div> : null}
      {log.isPending ? <Skeleton active /> : (
        <List size="small" dataSource={log.data?.items ?? []} locale={{ emptyText: t("Chưa có lần gửi nào.", "Nothing sent yet.") }}
          renderItem={(d) => (
            <List.Item actions={[
              <Button key="again" size="small" icon={<SendOutlined />} disabled={!webhook.enabled}
                loading={redeliver.isPending && redeliver.variables === d.id} onClick={() => redeliver.mutate(d.id)}>
                {t("Gửi lại", "Send again")}
              </Button>,
            ]}>
              <List.Item.Meta
                title={<span>{d.event_type} {statusTag(d.status)}</span>}
                description={
                  <span className="small">
                    {formatDateTime(d.created_at)} · {t("số lần gửi", "attempts")}: {d.attempts}
                    {d.last_status_code ? ` · HTTP ${d.last_status_code}` : ""}
                    {d.last_error && !d.last_status_code ? ` · ${d.last_error}` : ""}
                    {d.last_response_excerpt ? <><br /><code className="wrap-anywhere">{d.last_response_excerpt}</code></> : null}
                  </span>
                } />
            </List.Item>
          )} />
      )}
    </Modal>
  );
}

export function WebhooksCard() {
  const t = useT();
  const client = useQueryClient();
  const { message } = App.useApp();
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const [logOf, setLogOf] = useState<Webhook | null>(null);
  const [form] = Form.useForm<{ url: string; event_types: WebhookEventType[] }>();
  const webhooks = useQuery({
    queryKey: integrationKeys.webhooks(),
    queryFn: () => call(api.GET("/api/notifications/webhooks", { params: { query: { limit: 200 } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: integrationKeys.webhooks() });
  const create = useMutation({
    mutationFn: (v: { url: string; event_types: WebhookEventType[] }) =>
      call(api.POST("/api/notifications/webhooks", { body: { url: v.url.trim(), event_types: v.event_types } })),
    onSuccess: (made) => {
      setCreated(made);
      form.resetFields();
    },
    onSettled: refresh,
  });
  const toggle = useMutation({
    mutationFn: (w: Webhook) => call(api.PATCH("/api/notifications/webhooks/{subscription_id}",
      { params: { path: { subscription_id: w.id } }, body: { enabled: !w.enabled } })),
    onSuccess: (w) => message.success(w.enabled ? t("Đã bật lại webhook.", "Webhook turned on.") : t("Đã tạm dừng webhook.", "Webhook paused.")),
    onSettled: refresh,
  });
  const error = create.error ?? toggle.error ?? webhooks.error;
  const eventOptions = (Object.keys(EVENT_LABELS) as WebhookEventType[]).map((value) => ({ value, label: t(...EVENT_LABELS[value]) }));

  return (
    <Card className="mb" title={<span><SendOutlined /> {t("Webhook (báo sự kiện cho hệ thống khác)", "Webhooks (events to other systems)")}</span>}>
      <Typography.Paragraph>
        {t("EduDX gửi sự kiện của đơn vị bạn và các đơn vị trực thuộc tới địa chỉ HTTPS của hệ thống khác, có chữ ký HMAC-SHA256 để bên nhận kiểm tra. Gửi lỗi nhiều lần liên tiếp thì webhook tự tắt và quản trị viên được báo.",
          "EduDX sends events of your unit and the units below it to another system's HTTPS address, signed with HMAC-SHA256 for the receiver to check. After repeated failures the webhook turns itself off and the admins are told.")}
      </Typography.Paragraph>
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      {created && (
        <Alert className="mb" type="success" showIcon title={t("Đã đăng ký webhook.", "Webhook registered.")}
          description={<CopyField id="webhook-secret" label={t("Khoá ký (secret) — chỉ hiện lần này", "Signing secret — shown this once")} value={created.secret} />} />
      )}
      <Form form={form} layout="vertical" className="mb" initialValues={{ event_types: ["submission.approved"] }}
        onFinish={(v) => create.mutate(v)}>
        <Form.Item name="url" label={t("Địa chỉ nhận (HTTPS)", "Receiving address (HTTPS)")}
          rules={[{ required: true, whitespace: true, message: t("Hãy nhập địa chỉ HTTPS.", "Enter an HTTPS address.") }]}>
          <Input inputMode="url" maxLength={2000} placeholder="https://bang-dieu-khien.example.vn/edudx" />
        </Form.Item>
        <Form.Item name="event_types" label={t("Sự kiện", "Events")}
          // a validator, not `required`: antd would put aria-required on the group's div, which ARIA does not allow
          rules={[{ validator: (_, value?: WebhookEventType[]) => value?.length ? Promise.resolve()
            : Promise.reject(new Error(t("Hãy chọn ít nhất một sự kiện.", "Pick at least one event."))) }]}>
          <Checkbox.Group options={eventOptions} className="webhook-events" />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>{t("Đăng ký webhook", "Register webhook")}</Button>
        </Form.Item>
      </Form>
      {webhooks.isPending ? <Skeleton active paragraph={{ rows: 2 }} title={false} /> : (
        <List className="webhooks" size="small" dataSource={webhooks.data?.items ?? []}
          locale={{ emptyText: t("Chưa có webhook nào.", "No webhooks yet.") }}
          renderItem={(w) => (
            <List.Item actions={[
              <Button key="log" size="small" onClick={() => setLogOf(w)}>{t("Nhật ký gửi", "Log")}</Button>,
              <Popconfirm key="toggle" title={w.enabled ? t("Tạm dừng webhook?", "Pause the webhook?") : t("Bật lại webhook?", "Turn the webhook on?")}
                okText={t("Đồng ý", "Yes")} cancelText={t("Huỷ", "Cancel")} onConfirm={() => toggle.mutate(w)}>
                <Button size="small" loading={toggle.isPending && toggle.variables?.id === w.id}>
                  {w.enabled ? t("Tạm dừng", "Pause") : t("Bật lại", "Turn on")}
                </Button>
              </Popconfirm>,
            ]}>
              <List.Item.Meta
                title={<span><code className="wrap-anywhere">{w.url}</code> {w.enabled ? <Tag color="green">{t("Đang bật", "On")}</Tag> : <Tag color="red">{t("Đã tắt", "Off")}</Tag>}</span>}
                description={
                  <span className="small">
                    {w.event_types.map((e) => t(...EVENT_LABELS[e])).join(", ")}
                    {w.consecutive_failures ? ` · ${t("lỗi liên tiếp", "failures in a row")}: ${w.consecutive_failures}` : ""}
                    {w.disabled_reason ? <><br />{w.disabled_reason}</> : null}
                  </span>
                } />
            </List.Item>
          )} />
      )}
      {logOf && <DeliveryLog webhook={logOf} onClose={() => setLogOf(null)} />}
    </Card>
  );
}
