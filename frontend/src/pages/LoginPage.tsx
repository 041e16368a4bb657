import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { useState } from "react";
import { Navigate, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ProblemAlert } from "../components/ProblemAlert";
import { useT } from "../i18n/lang";

export default function LoginPage() {
  const { signedIn, login, expired } = useAuth();
  const t = useT();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";

  if (signedIn) return <Navigate to={target} replace />;

  const submit = async (values: { email: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await login(values.email.trim(), values.password);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <Card className="login-card">
        <Typography.Title level={1} className="login-title">EduDX</Typography.Title>
        <Typography.Paragraph type="secondary">
          {t("Báo cáo ứng dụng CNTT và chuyển đổi số ngành Giáo dục", "IT and digital-transformation reporting for education")}
        </Typography.Paragraph>
        {expired && !error && (
          <Alert type="info" showIcon title={t("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại; nội dung chưa lưu vẫn được giữ trên máy.", "Your session has expired. Please sign in again; unsaved work is kept on this device.")} className="mb" />
        )}
        {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
        <Form layout="vertical" onFinish={submit} requiredMark={false} disabled={busy}>
          <Form.Item name="email" label={t("Thư điện tử", "E-mail")} rules={[{ required: true, message: t("Nhập địa chỉ thư điện tử", "Enter your e-mail") }]}>
            <Input type="email" autoComplete="username" inputMode="email" autoFocus size="large" />
          </Form.Item>
          <Form.Item name="password" label={t("Mật khẩu", "Password")} rules={[{ required: true, message: t("Nhập mật khẩu", "Enter your password") }]}>
            <Input.Password autoComplete="current-password" size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>
            {t("Đăng nhập", "Sign in")}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
