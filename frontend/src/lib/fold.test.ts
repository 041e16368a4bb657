import { describe, expect, it } from "vitest";
import { fold, matches } from "./fold";

describe("search without diacritics", () => {
  it("folds Vietnamese letters, đ included", () => {
    expect(fold("Trường THCS Hòa Bình")).toBe("truong thcs hoa binh");
    expect(fold("Phòng GD&ĐT Đức Thành")).toBe("phong gd&dt duc thanh");
  });

  it("matches every word in any order", () => {
    expect(matches("Trường THCS Hòa Bình", "hoa binh truong")).toBe(true);
    expect(matches("Trường Tiểu học Long Phước", "hoa binh")).toBe(false);
    expect(matches("Trường Tiểu học Long Phước", "  ")).toBe(true);
  });
});
