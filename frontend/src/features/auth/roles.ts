import type { IdentityComponents } from "../../api/generated";

export type Role = IdentityComponents["schemas"]["Role"];
export type Me = IdentityComponents["schemas"]["MeRead"];

export const SCHOOL_ROLES: Role[] = ["principal", "school_it_officer"];
export const AUTHORITY_ROLES: Role[] = ["system_admin", "authority_admin", "reviewer", "viewer"];
export const ADMIN_ROLES: Role[] = ["system_admin", "authority_admin"];

export function hasAny(me: Pick<Me, "roles"> | null | undefined, roles: readonly Role[]): boolean {
  return !!me && me.roles.some((role) => roles.includes(role));
}

/** A school's account (principal or IT officer) and nothing above a school. */
export function isSchoolUser(me: Pick<Me, "roles"> | null | undefined): boolean {
  return hasAny(me, SCHOOL_ROLES) && !hasAny(me, AUTHORITY_ROLES);
}

export const ROLE_LABELS: Record<Role, [string, string]> = {
  system_admin: ["Quản trị hệ thống", "System administrator"],
  authority_admin: ["Quản trị đơn vị", "Authority administrator"],
  reviewer: ["Chuyên viên thẩm định", "Reviewer"],
  principal: ["Hiệu trưởng", "Principal"],
  school_it_officer: ["Cán bộ phụ trách CNTT", "School IT officer"],
  viewer: ["Người xem", "Viewer"],
};
