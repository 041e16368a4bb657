// The menu, built from one list: a new screen is one more entry here and one more route in routes.tsx. The
// notifications feed has no menu entry: the bell in the header leads to it.
import { ApartmentOutlined, ApiOutlined, FileDoneOutlined, OrderedListOutlined, HomeOutlined, TeamOutlined } from "@ant-design/icons";
import type { ReactNode } from "react";
import { ADMIN_ROLES, AUTHORITY_ROLES, hasAny, isSchoolUser, type Me } from "../features/auth/roles";

export interface NavItem {
  path: string;
  label: [vi: string, en: string];
  icon: ReactNode;
  visible: (me: Me) => boolean;
}

export const NAV_ITEMS: NavItem[] = [
  { path: "/", label: ["Báo cáo của trường", "Our reports"], icon: <HomeOutlined />, visible: isSchoolUser },
  { path: "/campaigns", label: ["Đợt báo cáo", "Campaigns"], icon: <FileDoneOutlined />,
    visible: (me) => hasAny(me, AUTHORITY_ROLES) },
  { path: "/rubrics", label: ["Bộ tiêu chí", "Rubrics"], icon: <OrderedListOutlined />, visible: (me) => hasAny(me, AUTHORITY_ROLES) },
  { path: "/admin/units", label: ["Đơn vị", "Units"], icon: <ApartmentOutlined />, visible: (me) => hasAny(me, ADMIN_ROLES) },
  { path: "/admin/users", label: ["Người dùng", "Users"], icon: <TeamOutlined />, visible: (me) => hasAny(me, ADMIN_ROLES) },
  { path: "/admin/integrations", label: ["Ứng dụng tích hợp", "Integrations"], icon: <ApiOutlined />,
    visible: (me) => hasAny(me, ADMIN_ROLES) },
];

/** Screens reached from a menu entry or an authority's button: who may open them. The menu and the routes
 * read the same rules, so a hidden entry is also a closed address (the server checks every call again). */
export const SCREEN_ACCESS: Record<string, (me: Me) => boolean> = {
  ...Object.fromEntries(NAV_ITEMS.map((item) => [item.path, item.visible])),
  "/campaigns/new": (me) => hasAny(me, ADMIN_ROLES),
  "/admin/reorganisations": (me) => hasAny(me, ADMIN_ROLES),
  "/admin/clusters": (me) => hasAny(me, ADMIN_ROLES),
};

export function canOpen(path: string, me: Me): boolean {
  return SCREEN_ACCESS[path]?.(me) ?? true;
}

/** Links other services put in e-mails: these paths must keep working. */
export const DEEP_LINKS = {
  campaign: (id: string) => `/campaigns/${id}`,
  submission: (id: string) => `/submissions/${id}`,
  notifications: "/notifications",
  account: "/account",
} as const;

/** The menu entry a path belongs to (the longest matching prefix). */
export function activeNavPath(pathname: string, items: NavItem[]): string | undefined {
  return items
    .map((item) => item.path)
    .filter((path) => (path === "/" ? pathname === "/" : pathname === path || pathname.startsWith(`${path}/`)))
    .sort((a, b) => b.length - a.length)[0];
}
