// "Quên mật khẩu" (ask for a link by e-mail) and "Đặt mật khẩu" (the link's page: /dat-mat-khau?token=…, the
// address identity writes in reset and invitation e-mails). Both work without a session.
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { anonymousApi as anonymous } from "../../api/anonymous";
import { ApiError, asApiError, toProblem } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";

function Frame({ title, children }: { title: string; children: React.ReactNode }) {
  const t = useT();
  return (
    <main className="login-page">
      <Card className="login-card">
        <Typography.Title level={1} className="login-title">EduDX</Typography.Title>
        <Typography.Title level={2} className="password-title">{title}</Typography.Title>
        {children}
        <p className="login-links"><Link to="/login">{t("Quay lại đăng nhập", "Back to sign in")}</Link></p>
      </Card>
    </main>
  );
}

async function post(run: () => Promise<{ error?: unknown; response: Response }>): Promise<void> {
  let outcome;
  try {
    outcome = await run();
  } catch (error) {
    throw asApiError(error);
  }
  if (!outcome.response.ok) throw new ApiError(toProblem(outcome.error, outcome.response.status));
}

export function ForgotPasswordPage() {
  const t = useT();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const request = useMutation({
    mutationFn: (email: string) => post(() => anonymous.POST("/api/identity/auth/password-reset", { body: { email } })),
    onSuccess: (_, email) => setSentTo(email),
  });
  const error = request.error;
  const busy = request.isPending;
  const submit = ({ email }: { email: string }) => request.mutate(email.trim());
  return (
    <Frame title={t("Quên mật khẩu", "Forgot your password")}>
      {sentTo ? (
        <Alert type="success" showIcon role="status" title={t("Đã gửi hướng dẫn", "Instructions sent")}
          description={t(`Nếu ${sentTo} là tài khoản EduDX, thư có đường liên kết đặt mật khẩu mới sẽ đến trong vài phút (kiểm tra cả mục Thư rác). Liên kết chỉ dùng được một lần.`,
            `If ${sentTo} has an EduDX account, an e-mail with a link to set a new password arrives within minutes (check the spam folder too). The link works once.`)} />
      ) : (
        <>
          <Typography.Paragraph type="secondary">
            {t("Nhập địa chỉ thư điện tử của tài khoản. EduDX gửi đến địa chỉ đó một đường liên kết để đặt mật khẩu mới.",
              "Enter your account's e-mail address. EduDX sends it a link to set a new password.")}
          </Typography.Paragraph>
          {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
          <Form layout="vertical" onFinish={submit} requiredMark={false} disabled={busy}>
            <Form.Item name="email" label={t("Thư điện tử", "E-mail")} rules={[{ required: true, type: "email", message: t("Nhập đúng địa chỉ thư điện tử", "Enter a valid e-mail") }]}>
              <Input type="email" autoComplete="username" inputMode="email" autoFocus size="large" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block size="large" loading={busy}>{t("Gửi liên kết đặt mật khẩu", "Send the link")}</Button>
          </Form>
        </>
      )}
    </Frame>
  );
}

export function SetPasswordPage() {
  const t = useT();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const confirm = useMutation({
    mutationFn: (password: string) => post(() => anonymous.POST("/api/identity/auth/password-reset/confirm", { body: { token, new_password: password } })),
    onSuccess: () => navigate("/login?reset=done", { replace: true }),
  });
  const error = confirm.error;
  const busy = confirm.isPending;
  const submit = ({ password }: { password: string; again: string }) => confirm.mutate(password);
  if (token.length < 10)
    return (
      <Frame title={t("Đặt mật khẩu mới", "Set a new password")}>
        <Alert type="error" showIcon title={t("Đường liên kết không đầy đủ", "The link is incomplete")}
          description={<>{t("Hãy mở lại đường liên kết trong thư, hoặc ", "Open the link from the e-mail again, or ")}<Link to="/quen-mat-khau">{t("yêu cầu liên kết mới", "ask for a new link")}</Link>.</>} />
      </Frame>
    );
  return (
    <Frame title={t("Đặt mật khẩu mới", "Set a new password")}>
      <Typography.Paragraph type="secondary">
        {t("Chọn mật khẩu dài, khó đoán và không chứa địa chỉ thư điện tử; nếu chưa đạt yêu cầu, hệ thống sẽ nói rõ lý do. Sau khi đặt, mọi phiên đăng nhập cũ đều kết thúc.",
          "Choose a long, hard-to-guess password without your e-mail in it; if it falls short, you are told why. Every older session ends once it is set.")}
      </Typography.Paragraph>
      {error ? (
        <div className="mb">
          <ProblemAlert error={error} />
          <p className="login-links"><Link to="/quen-mat-khau">{t("Yêu cầu đường liên kết mới", "Ask for a new link")}</Link></p>
        </div>
      ) : null}
      <Form layout="vertical" onFinish={submit} requiredMark={false} disabled={busy}>
        <Form.Item name="password" label={t("Mật khẩu mới", "New password")} rules={[{ required: true, message: t("Nhập mật khẩu mới", "Enter the new password") }]}>
          <Input.Password autoComplete="new-password" autoFocus size="large" />
        </Form.Item>
        <Form.Item name="again" label={t("Nhập lại mật khẩu mới", "Repeat the new password")} dependencies={["password"]}
          rules={[{ required: true, message: t("Nhập lại mật khẩu mới", "Repeat the new password") },
            ({ getFieldValue }) => ({ validator: (_, value) => (!value || value === getFieldValue("password") ? Promise.resolve() : Promise.reject(new Error(t("Hai mật khẩu không giống nhau", "The two passwords differ")))) })]}>
          <Input.Password autoComplete="new-password" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>{t("Đặt mật khẩu", "Set the password")}</Button>
      </Form>
    </Frame>
  );
}

export default ForgotPasswordPage;
