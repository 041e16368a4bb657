import { describe, expect, it } from "vitest";
import { schoolYearEnd } from "./PresetCard";

describe("schoolYearEnd", () => {
  it("reads the year a school year ends in from its name", () => {
    expect(schoolYearEnd("2025-2026")).toBe(2026);
    expect(schoolYearEnd("Năm học 2026 - 2027")).toBe(2027);
  });
  it("falls back to the school year running now: from August the next year", () => {
    expect(schoolYearEnd(undefined, new Date(2026, 11, 7))).toBe(2027);
    expect(schoolYearEnd(undefined, new Date(2027, 4, 1))).toBe(2027);
    expect(schoolYearEnd("", new Date(2026, 7, 1))).toBe(2027);
  });
});
