import type { ReactNode } from "react";
import { useMe } from "../features/auth/AuthProvider";
import { ForbiddenPage } from "./lazyErrors";
import { canOpen } from "./navigation";

/** The screen when the signed-in person's roles may open `path`; the "Không có quyền" page otherwise. */
export function RoleGate({ path, children }: { path: string; children: ReactNode }) {
  const me = useMe();
  return canOpen(path, me) ? <>{children}</> : <ForbiddenPage />;
}
