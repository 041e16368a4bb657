// The error screens, loaded only when one is shown: they carry antd's Result and its three illustrations, which
// would otherwise travel in the first load of every screen (the router needs its error elements up front). Should
// even that chunk fail to load (the connection dropped, or a new version replaced it), a plain notice says so.
import { Button } from "antd";
import { Component, lazy, Suspense, type ReactNode } from "react";
import { useT } from "../i18n/lang";
import { PageLoading } from "../components/PageLoading";

const errorPages = () => import("../components/ErrorPages");
const RouteErrorPageLoaded = lazy(() => errorPages().then((m) => ({ default: m.RouteErrorPage })));
const NotFoundPageLoaded = lazy(() => errorPages().then((m) => ({ default: m.NotFoundPage })));
const ForbiddenPageLoaded = lazy(() => errorPages().then((m) => ({ default: m.ForbiddenPage })));
const ErrorScreenLoaded = lazy(() => errorPages().then((m) => ({ default: m.ErrorScreen })));

function CannotLoad() {
  const t = useT();
  return (
    <div className="cannot-load" role="alert">
      <h1>{t("Không tải được trang", "The page could not be loaded")}</h1>
      <p>{t("Có thể mạng chập chờn, hoặc hệ thống vừa được cập nhật. Bấm Tải lại để lấy phiên bản mới.", "The connection may have dropped, or EduDX was just updated. Reload to get the new version.")}</p>
      <Button type="primary" onClick={() => window.location.reload()}>{t("Tải lại", "Reload")}</Button>
    </div>
  );
}

class ChunkBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    return this.state.failed ? <CannotLoad /> : this.props.children;
  }
}

function Loaded({ children }: { children: ReactNode }) {
  return (
    <ChunkBoundary>
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </ChunkBoundary>
  );
}

/** The router's error element: a page that failed to load or crashed. */
export function RouteErrorPage() {
  return <Loaded><RouteErrorPageLoaded /></Loaded>;
}

export function NotFoundPage() {
  return <Loaded><NotFoundPageLoaded /></Loaded>;
}

/** A screen the person's role may not use. */
export function ForbiddenPage() {
  return <Loaded><ForbiddenPageLoaded /></Loaded>;
}

/** A failed load shown as a whole page (see ErrorPages.ErrorScreen). */
export function ErrorScreen(props: { error: unknown; onRetry?: () => void }) {
  return <Loaded><ErrorScreenLoaded {...props} /></Loaded>;
}
