// Error screens that say, in Vietnamese first, what happened and what to do next.
import { Button, Result, Space } from "antd";
import { isRouteErrorResponse, Link, useNavigate, useRouteError } from "react-router";
import { asApiError } from "../api/problem";
import { useT, type Translate } from "../i18n/lang";

function advice(status: number, t: Translate): { title: string; what: string } {
  if (status === 0)
    return { title: t("Mất kết nối", "No connection"), what: t("Kiểm tra Wi-Fi hoặc 4G rồi bấm Thử lại. Nội dung chưa lưu vẫn được giữ trên máy này.", "Check Wi-Fi or mobile data, then try again. Unsaved work stays on this device.") };
  if (status === 403)
    return { title: t("Không có quyền", "Not allowed"), what: t("Tài khoản của bạn không được xem trang này. Nếu cần, hãy nhờ quản trị viên của trường hoặc của Sở GDĐT cấp quyền.", "Your account may not see this page. Ask your school or department administrator for access if you need it.") };
  if (status === 404)
    return { title: t("Không tìm thấy", "Not found"), what: t("Trang hoặc báo cáo này không có, hoặc không thuộc đơn vị của bạn. Kiểm tra lại đường liên kết, hoặc về trang chủ.", "This page or report does not exist or is not your unit's. Check the link, or go to the home page.") };
  if (status >= 500)
    return { title: t("Hệ thống đang gặp sự cố", "The system has a problem"), what: t("Vui lòng thử lại sau ít phút. Nếu vẫn lỗi, báo cho bộ phận CNTT của Sở GDĐT kèm mã yêu cầu bên dưới.", "Please try again in a few minutes. If it persists, tell the department's IT staff and quote the request id below.") };
  return { title: t("Không thực hiện được", "Something went wrong"), what: t("Tải lại trang và thử lại. Nếu vẫn lỗi, báo cho bộ phận CNTT của Sở GDĐT.", "Reload the page and try again. If it persists, tell the department's IT staff.") };
}

/** A failed load shown as a whole page: the server's words, and what to do. */
export function ErrorScreen({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  const { problem } = asApiError(error);
  const status = problem.status;
  const { title, what } = advice(status, t);
  return (
    <Result
      status={status === 403 ? "403" : status === 404 ? "404" : status >= 500 ? "500" : "warning"}
      title={problem.status > 0 ? problem.title : title}
      subTitle={
        <>
          {problem.detail && problem.status > 0 && <p>{problem.detail}</p>}
          <p>{what}</p>
          {problem.request_id && <p className="muted small">{t("Mã yêu cầu", "Request id")}: {problem.request_id}</p>}
        </>
      }
      extra={
        <Space wrap>
          {onRetry && <Button type="primary" onClick={onRetry}>{t("Thử lại", "Try again")}</Button>}
          <Link to="/"><Button>{t("Về trang chủ", "Home page")}</Button></Link>
        </Space>
      }
    />
  );
}

export function NotFoundPage() {
  const t = useT();
  const { what } = advice(404, t);
  return (
    <Result
      status="404"
      title={t("Không có trang này", "No such page")}
      subTitle={what}
      extra={<Link to="/"><Button type="primary">{t("Về trang chủ", "Home page")}</Button></Link>}
    />
  );
}

/** A screen opened by its address by someone whose role may not use it (the menu does not offer it). */
export function ForbiddenPage() {
  const t = useT();
  const { what } = advice(403, t);
  return (
    <Result
      status="403"
      title={t("Không có quyền truy cập trang này", "You may not open this page")}
      subTitle={what}
      extra={<Link to="/"><Button type="primary">{t("Về trang chủ", "Home page")}</Button></Link>}
    />
  );
}

/** What the router shows when a page failed to load or crashed (e.g. a new version was deployed). */
export function RouteErrorPage() {
  const error = useRouteError();
  const navigate = useNavigate();
  const t = useT();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  const chunkFailed = error instanceof TypeError && /dynamically imported module|Importing a module script/i.test(error.message);
  if (chunkFailed) {
    return (
      <Result
        status="warning"
        title={t("Không tải được trang", "The page could not be loaded")}
        subTitle={t("Có thể mạng chập chờn, hoặc hệ thống vừa được cập nhật. Bấm Tải lại để lấy phiên bản mới.", "The connection may have dropped, or EduDX was just updated. Reload to get the new version.")}
        extra={<Button type="primary" onClick={() => window.location.reload()}>{t("Tải lại", "Reload")}</Button>}
      />
    );
  }
  return <ErrorScreen error={error} onRetry={() => navigate(0)} />;
}
