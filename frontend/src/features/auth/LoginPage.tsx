import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { useMutation } from "@tanstack/react-query";
import { Link, Navigate, useSearchParams } from "react-router";
import { useAuth } from "./AuthProvider";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";

export default function LoginPage() {
  const { signedIn, login, expired } = useAuth();
  const t = useT();
  const [params] = useSearchParams();
  const signIn = useMutation({ mutationFn: (values: { email: string; password: string }) => login(values.email.trim(), values.password) });
  const error = signIn.error;
  const busy = signIn.isPending;
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";

  if (signedIn) return <Navigate to={target} replace />;

  const submit = (values: { email: string; password: string }) => signIn.mutate(values);

  return (
    <main className="login-page">
      <Card className="login-card">
        <Typography.Title level={1} className="login-title">EduDX</Typography.Title>
        <Typography.Paragraph type="secondary">
          {t("Báo cáo ứng dụng CNTT và chuyển đổi số ngành Giáo dục", "IT and digital-transformation reporting for education")}
        </Typography.Paragraph>
        {expired && !error && (
          <Alert type="warning" showIcon role="alert" className="mb session-expired" title={t("Phiên đăng nhập đã hết hạn", "Your session has expired")}
            description={t("Vui lòng đăng nhập lại để tiếp tục. Nội dung bạn đang soạn chưa kịp lưu vẫn được giữ trên máy này và sẽ tự lưu khi bạn quay lại báo cáo.",
              "Please sign in again to continue. What you were typing and had not saved yet is kept on this device and saved when you are back in the report.")} />
        )}
        {params.get("reset") === "done" && !error && (
          <Alert type="success" showIcon className="mb" title={t("Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới.", "Your new password is set. Sign in with it.")} />
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
        <p className="login-links"><Link to="/quen-mat-khau">{t("Quên mật khẩu?", "Forgot your password?")}</Link></p>
      </Card>
    </main>
  );
}
