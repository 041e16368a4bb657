// Integration clients: the credentials a province dashboard or the sector database uses to read this admin's
// subtree (docs/integrations.md). The secret is shown once, when the client is made: the server keeps its hash.
import { ApiOutlined, StopOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, DatePicker, Form, Input, List, Popconfirm, Radio, Skeleton, Tag, Typography } from "antd";
import { CopyField } from "../../components/CopyField";
import { WebhooksCard } from "./WebhooksCard";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { IntegrationClient, IntegrationClientCreated } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { integrationKeys } from "./api";
import { formatDate, formatDateTime } from "../../lib/deadline";

interface CreateValues {
  name: string;
  scope: "read" | "read write";
  expires?: Dayjs | null;
}

function FreshSecret({ created }: { created: IntegrationClientCreated }) {
  const t = useT();
  return (
    <Alert className="mb" type="success" showIcon
      title={t(`Đã tạo ứng dụng «${created.name}».`, `Created "${created.name}".`)}
      description={
        <>
          <CopyField id="client-id" label={t("Mã ứng dụng (client_id)", "Client id")} value={created.client_id} />
          <CopyField id="client-secret" label={t("Khoá bí mật (client_secret) — chỉ hiện lần này", "Client secret — shown this once")}
            value={created.client_secret} />
          <div className="muted small mt-small">
            {t("Hãy lưu khoá bí mật vào hệ thống tích hợp ngay: EduDX không lưu lại được để xem lần nữa. Lỡ để lộ thì thu hồi và tạo ứng dụng mới.",
              "Store the secret in the integrating system now: EduDX cannot show it again. If it leaks, revoke and create a new one.")}
          </div>
        </>
      } />
  );
}

function ClientStatus({ client }: { client: IntegrationClient }) {
  const t = useT();
  if (client.revoked_at) return <Tag color="red">{t("Đã thu hồi", "Revoked")}</Tag>;
  if (!client.active) return <Tag color="orange">{t("Đã hết hạn", "Expired")}</Tag>;
  return <Tag color="green">{t("Đang hoạt động", "Active")}</Tag>;
}

export default function IntegrationsPage() {
  const t = useT();
  const client = useQueryClient();
  const { message } = App.useApp();
  const [created, setCreated] = useState<IntegrationClientCreated | null>(null);
  const [form] = Form.useForm<CreateValues>();
  const clients = useQuery({
    queryKey: integrationKeys.clients(),
    queryFn: () => call(api.GET("/api/identity/integration-clients", { params: { query: { limit: 200 } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: integrationKeys.clients() });
  const create = useMutation({
    mutationFn: (v: CreateValues) => call(api.POST("/api/identity/integration-clients", {
      body: { name: v.name.trim(), scope: v.scope, expires_at: v.expires ? v.expires.endOf("day").toISOString() : null },
    })),
    onSuccess: (made) => {
      setCreated(made);
      form.resetFields();
    },
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.POST("/api/identity/integration-clients/{client_pk}/revoke", { params: { path: { client_pk: id } } })),
    onSuccess: (_, id) => {
      if (created?.id === id) setCreated(null);
      message.success(t("Đã thu hồi ứng dụng; các mã truy cập của nó ngừng hoạt động trong vài giây.", "Revoked; its tokens stop working within seconds."));
    },
    onSettled: refresh,
  });
  const error = create.error ?? revoke.error ?? clients.error;
  const scopeLabel = (c: IntegrationClient) => c.scope === "read write" ? t("Đọc và ghi", "Read and write") : t("Chỉ đọc", "Read only");

  return (
    <>
      <PageTitle title={t("Ứng dụng tích hợp", "Integrations")} />
      <Card className="mb" title={<span><ApiOutlined /> {t("Ứng dụng tích hợp (API)", "Integration clients (API)")}</span>}>
        <Typography.Paragraph>
          {t("Cấp thông tin xác thực cho hệ thống khác — bảng điều khiển của Sở, CSDL ngành — để đọc đợt báo cáo, tình hình nộp, kết quả và danh mục minh chứng của đơn vị bạn và các đơn vị trực thuộc. Hệ thống đó đổi mã ứng dụng và khoá bí mật lấy mã truy cập ngắn hạn (OAuth 2, client credentials).",
            "Give another system — the province dashboard, the sector database — credentials to read campaigns, submission status, results and evidence catalogues of your unit and the units below it. It exchanges the client id and secret for short-lived tokens (OAuth 2 client credentials).")}
        </Typography.Paragraph>
        {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
        {created && <FreshSecret created={created} />}
        <Form form={form} layout="vertical" className="mb integration-form" initialValues={{ scope: "read" }}
          onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t("Tên ứng dụng", "Name")} rules={[{ required: true, whitespace: true, message: t("Hãy nhập tên ứng dụng.", "Enter a name.") }]}>
            <Input maxLength={200} placeholder={t("Ví dụ: Bảng điều khiển CĐS của Sở", "e.g. Province DX dashboard")} />
          </Form.Item>
          <Form.Item name="scope" label={t("Quyền", "Access")}>
            <Radio.Group options={[
              { value: "read", label: t("Chỉ đọc", "Read only") },
              { value: "read write", label: t("Đọc và ghi (như chuyên viên thẩm định)", "Read and write (as a reviewer)") },
            ]} />
          </Form.Item>
          <Form.Item name="expires" label={t("Hết hiệu lực sau ngày (không bắt buộc)", "Expires after (optional)")}>
            <DatePicker format="DD/MM/YYYY" placeholder={t("Chọn ngày", "Pick a date")} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending}>{t("Tạo ứng dụng", "Create client")}</Button>
          </Form.Item>
        </Form>
        {clients.isPending ? <Skeleton active paragraph={{ rows: 2 }} title={false} /> : (
          <List className="integration-clients" size="small" dataSource={clients.data?.items ?? []}
            locale={{ emptyText: t("Chưa có ứng dụng tích hợp nào.", "No integration clients yet.") }}
            renderItem={(c) => (
              <List.Item actions={c.revoked_at ? [] : [
                <Popconfirm key="revoke" title={t("Thu hồi ứng dụng?", "Revoke the client?")}
                  description={t("Ứng dụng không lấy được mã truy cập mới, và mã đang dùng ngừng hoạt động trong vài giây.",
                    "It gets no new token, and the tokens it holds stop working within seconds.")}
                  okText={t("Thu hồi", "Revoke")} okButtonProps={{ danger: true }} cancelText={t("Huỷ", "Cancel")} onConfirm={() => revoke.mutate(c.id)}>
                  <Button size="small" danger icon={<StopOutlined />} loading={revoke.isPending && revoke.variables === c.id}>
                    {t("Thu hồi", "Revoke")}
                  </Button>
                </Popconfirm>,
              ]}>
                <List.Item.Meta
                  title={<span>{c.name} <ClientStatus client={c} /> <Tag>{scopeLabel(c)}</Tag></span>}
                  description={
                    <span className="small">
                      <code>{c.client_id}</code>
                      {" · "}{t("tạo ngày", "made on")} {formatDate(c.created_at)}
                      {c.expires_at ? <>{" · "}{t("hết hạn", "expires")} {formatDate(c.expires_at)}</> : null}
                      {" · "}{c.last_used_at ? `${t("dùng lần cuối", "last used")} ${formatDateTime(c.last_used_at)}` : t("chưa dùng", "not used yet")}
                    </span>
                  } />
              </List.Item>
            )} />
        )}
      </Card>
      <WebhooksCard />
    </>
  );
}
