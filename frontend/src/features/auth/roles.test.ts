import { describe, expect, it } from "vitest";
import { hasAny, isSchoolUser } from "./roles";

describe("roles", () => {
  it("tells a school account from an authority account", () => {
    expect(isSchoolUser({ roles: ["principal"] })).toBe(true);
    expect(isSchoolUser({ roles: ["school_it_officer"] })).toBe(true);
    expect(isSchoolUser({ roles: ["reviewer"] })).toBe(false);
    expect(isSchoolUser({ roles: ["principal", "authority_admin"] })).toBe(false);
    expect(isSchoolUser(null)).toBe(false);
  });

  it("checks any of several roles", () => {
    expect(hasAny({ roles: ["viewer"] }, ["authority_admin", "viewer"])).toBe(true);
    expect(hasAny(undefined, ["viewer"])).toBe(false);
  });
});
