import { useMutation } from "@tanstack/react-query";
import { App, Button, Card, Descriptions, Form, Input, Segmented } from "antd";
import { api, call } from "../../api/client";
import { useMe } from "../auth/AuthProvider";
import { ROLE_LABELS } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { fieldErrors, ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { CalendarFeedsCard } from "../notifications/CalendarFeedsCard";
import { NotificationPreferencesCard } from "../notifications/NotificationPreferencesCard";

export default function AccountPage() {
  const me = useMe();
  const t = useT();
  const { lang, setLang } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const change = useMutation({
    mutationFn: (v: { current_password: string; new_password: string }) =>
      call(api.POST("/api/identity/me/password", { body: { current_password: v.current_password, new_password: v.new_password } })),
    onSuccess: () => {
      message.success(t("Đã đổi mật khẩu.", "Password changed."));
      form.resetFields();
    },
  });
  const error = change.error;
  const busy = change.isPending;
  const errors = fieldErrors(error);
  return (
    <>
      <PageTitle title={t("Tài khoản", "Account")} />
      <Card className="mb" title={t("Thông tin", "Profile")}>
        <Descriptions column={1} size="small" items={[
          { key: "name", label: t("Họ và tên", "Name"), children: me.full_name },
          { key: "email", label: t("Thư điện tử", "E-mail"), children: me.email },
          { key: "unit", label: t("Đơn vị", "Unit"), children: `${me.unit_name} (${me.unit_code})` },
          { key: "roles", label: t("Vai trò", "Roles"), children: me.roles.map((r) => ROLE_LABELS[r][lang === "en" ? 1 : 0]).join(", ") },
          { key: "last", label: t("Đăng nhập gần nhất", "Last sign-in"), children: formatDateTime(me.last_login_at) || "—" },
          { key: "lang", label: t("Ngôn ngữ", "Language"), children: <Segmented value={lang} onChange={(v) => setLang(v as "vi" | "en")} options={[{ value: "vi", label: "Tiếng Việt" }, { value: "en", label: "English" }]} /> },
        ]} />
      </Card>
      <CalendarFeedsCard />
      <NotificationPreferencesCard />
      <Card title={t("Đổi mật khẩu", "Change password")} style={{ maxWidth: 520 }}>
        {error ? <div className="mb"><ProblemAlert error={error} showErrors={false} /></div> : null}
        <Form form={form} layout="vertical" onFinish={(v: { current_password: string; new_password: string }) => change.mutate(v)}>
          <Form.Item name="current_password" label={t("Mật khẩu hiện tại", "Current password")} rules={[{ required: true, message: t("Nhập mật khẩu hiện tại", "Enter your current password") }]}
            validateStatus={errors.current_password ? "error" : undefined} help={errors.current_password}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item name="new_password" label={t("Mật khẩu mới", "New password")} rules={[{ required: true, min: 8, message: t("Ít nhất 8 ký tự", "At least 8 characters") }]}
            validateStatus={errors.new_password ? "error" : undefined} help={errors.new_password}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="confirm" label={t("Nhập lại mật khẩu mới", "Repeat the new password")} dependencies={["new_password"]} rules={[{ required: true, message: t("Nhập lại mật khẩu mới", "Repeat the new password") },
            ({ getFieldValue }) => ({ validator: (_, value) => !value || value === getFieldValue("new_password") ? Promise.resolve() : Promise.reject(new Error(t("Hai mật khẩu không khớp", "The passwords differ"))) })]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>{t("Đổi mật khẩu", "Change password")}</Button>
        </Form>
      </Card>
    </>
  );
}
