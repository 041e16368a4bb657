import { LogoutOutlined, MenuOutlined, UserOutlined } from "@ant-design/icons";
import { Button, Dropdown, Layout, Menu, Segmented } from "antd";
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { Link, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { useAuth } from "../features/auth/AuthProvider";
import { ROLE_LABELS } from "../features/auth/roles";
import { useLang, useT } from "../i18n/lang";
import { PageLoading } from "../components/PageLoading";
import { ErrorScreen } from "./lazyErrors";
import { activeNavPath, DEEP_LINKS, NAV_ITEMS } from "./navigation";
import { NotificationBell } from "../features/notifications/NotificationBell";

function LangSwitch() {
  const { lang, setLang } = useLang();
  return (
    <Segmented
      size="small"
      aria-label="Ngôn ngữ / Language"
      value={lang}
      onChange={(value) => setLang(value as "vi" | "en")}
      options={[
        { label: "VI", value: "vi" },
        { label: "EN", value: "en" },
      ]}
    />
  );
}

const WIDE = "(min-width: 768px)";

/** Desktop header or phone drawer, known at the first render (no jump once the page has painted). */
function useWide(): boolean {
  const [wide, setWide] = useState(() => window.matchMedia(WIDE).matches);
  useEffect(() => {
    const query = window.matchMedia(WIDE);
    const change = () => setWide(query.matches);
    query.addEventListener("change", change);
    return () => query.removeEventListener("change", change);
  }, []);
  return wide;
}

export { PageLoading };

const PhoneMenu = lazy(() => import("./PhoneMenu"));

/** The signed-in frame: header with the role's menu, notifications bell, language switch and account; the page below. */
export function Shell() {
  const { signedIn, me, meError, logout, loadingMe } = useAuth();
  const t = useT();
  const { lang } = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const wide = useWide();
  const [drawer, setDrawer] = useState(false);
  // The drawer's code is fetched on the first tap of the menu button, then the drawer stays mounted (it animates).
  const [drawerUsed, setDrawerUsed] = useState(false);
  const items = useMemo(() => (me ? NAV_ITEMS.filter((item) => item.visible(me)) : []), [me]);

  if (!signedIn) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (meError) return <ErrorScreen error={meError} />;
  if (loadingMe || !me) return <div className="boot"><div className="boot-header" /><PageLoading /></div>;

  const menuItems = items.map((item) => ({
    key: item.path,
    icon: item.icon,
    label: <Link to={item.path} onClick={() => setDrawer(false)}>{lang === "en" ? item.label[1] : item.label[0]}</Link>,
  }));
  const selected = activeNavPath(location.pathname, items);
  const roleText = me.roles.map((r) => ROLE_LABELS[r][lang === "en" ? 1 : 0]).join(", ");

  const account = (
    <Dropdown
      trigger={["click"]}
      menu={{
        items: [
          { key: "who", label: <div className="who"><strong>{me.full_name}</strong><div className="muted small">{roleText}</div><div className="muted small">{me.unit_name}</div></div>, disabled: true },
          { type: "divider" },
          { key: "account", icon: <UserOutlined />, label: t("Tài khoản, đổi mật khẩu", "Account, password") },
          { key: "logout", icon: <LogoutOutlined />, label: t("Đăng xuất", "Sign out") },
        ],
        onClick: async ({ key }) => {
          if (key === "account") navigate(DEEP_LINKS.account);
          if (key === "logout") {
            await logout();
            navigate("/login", { replace: true });
          }
        },
      }}
    >
      <Button type="text" className="account-button" icon={<UserOutlined />} aria-label={wide ? `${t("Tài khoản", "Account")}: ${me.full_name}` : t("Tài khoản", "Account")}>
        {wide && <span className="account-name">{me.full_name}</span>}
      </Button>
    </Dropdown>
  );

  return (
    <Layout className="shell">
      <a className="skip-link" href="#main">{t("Bỏ qua, đến nội dung chính", "Skip to main content")}</a>
      <Layout.Header className="shell-header">
        {!wide && (
          <Button type="text" className="header-icon" icon={<MenuOutlined />} aria-label={t("Mở menu", "Open menu")} onClick={() => { setDrawerUsed(true); setDrawer(true); }} />
        )}
        <Link to="/" className="brand">EduDX</Link>
        {wide ? (
          <Menu theme="dark" mode="horizontal" selectedKeys={selected ? [selected] : []} items={menuItems} className="shell-menu" />
        ) : (
          <div className="shell-spacer" />
        )}
        <NotificationBell />
        <LangSwitch />
        {account}
      </Layout.Header>
      {!wide && drawerUsed && (
        <Suspense fallback={null}>
          <PhoneMenu open={drawer} onClose={() => setDrawer(false)} title={me.unit_name} items={menuItems} selected={selected} />
        </Suspense>
      )}
      <Layout.Content id="main" className="shell-content" tabIndex={-1}>
        <Suspense fallback={<PageLoading />}>
          <Outlet />
        </Suspense>
      </Layout.Content>
    </Layout>
  );
}
