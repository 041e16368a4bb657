import { describe, expect, it } from "vitest";
import { activeNavPath, NAV_ITEMS } from "./navigation";

const me = (roles: string[]) => ({ roles }) as never;

describe("navigation", () => {
  it("shows a school only its own screens", () => {
    expect(NAV_ITEMS.filter((i) => i.visible(me(["principal"]))).map((i) => i.path)).toEqual(["/"]);
  });

  it("shows administrators the admin screens and reviewers only campaigns", () => {
    expect(NAV_ITEMS.filter((i) => i.visible(me(["authority_admin"]))).map((i) => i.path)).toEqual([
      "/campaigns", "/rubrics", "/admin/units", "/admin/users", "/admin/integrations",
    ]);
    expect(NAV_ITEMS.filter((i) => i.visible(me(["reviewer"]))).map((i) => i.path)).toEqual(["/campaigns", "/rubrics"]);
  });

  it("marks the entry of a nested page", () => {
    expect(activeNavPath("/campaigns/abc", NAV_ITEMS)).toBe("/campaigns");
    expect(activeNavPath("/campaigns/abc/results", NAV_ITEMS)).toBe("/campaigns");
    expect(activeNavPath("/rubrics/xyz", NAV_ITEMS)).toBe("/rubrics");
    expect(activeNavPath("/", NAV_ITEMS)).toBe("/");
    expect(activeNavPath("/account", NAV_ITEMS)).toBeUndefined();
  });
});
