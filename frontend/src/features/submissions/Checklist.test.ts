import { describe, expect, it } from "vitest";
import { groupChecklist, withoutSection, type ChecklistItem } from "./Checklist";

const item = (over: Partial<ChecklistItem>): ChecklistItem => ({ kind: "answer", field: "f", message: "m", section: null, criterion_code: null, ...over });
const t = (vi: string) => vi;
const outline = { sections: [
  { number: "1", title: "Dạy học", fields: [], sections: [] },
  { number: "4", title: "Tổ chức", fields: [], sections: [{ number: "4a", title: "Đô thị thông minh", fields: [], sections: [] }] },
] } as never;

describe("the checklist", () => {
  it("groups by section in reading order, then the self-scores, then the rest", () => {
    const groups = groupChecklist([
      item({ field: "a", section: "4a" }), item({ field: "self_scores.1.2", kind: "score", criterion_code: "1.2", section: "1" }),
      item({ field: "b", section: "1" }), item({ field: "zz", section: null }),
    ], outline, (code) => `/scores/${code}`, t);
    expect(groups.map((g) => [g.key, g.items.map((i) => i.field)])).toEqual([
      ["s-1", ["b"]], ["s-4a", ["a"]], ["scores", ["self_scores.1.2"]], ["other", ["zz"]],
    ]);
    expect(groups[0].href).toBe("#section-1");
    expect(groups[2].href).toBe("/scores/1.2");
  });

  it("does not repeat the section under its heading", () => {
    expect(withoutSection(item({ section: "3", message: "Mục 3. Ứng dụng CNTT: chưa trả lời 'Kết quả'" }))).toBe("chưa trả lời 'Kết quả'");
    expect(withoutSection(item({ section: "3", message: "Mục 3: Địa chỉ: phải bắt đầu bằng https://" }))).toBe("Địa chỉ: phải bắt đầu bằng https://");
    expect(withoutSection(item({ section: "4", message: "Mục 4a. Khác: x" }))).toBe("Mục 4a. Khác: x");
  });
});
