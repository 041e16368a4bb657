import { describe, expect, it } from "vitest";
import { baseFieldId, isEmpty, problemsByField, problemsBySection, sectionProgress, walkSections, type Outline } from "./outline";

const outline = {
  sections: [
    { number: "1", title: "Dạy học", fields: [
      { id: "s1_result", label: "Kết quả", kind: "rich_text", required: true },
      { id: "s1_share", label: "Tỉ lệ", kind: "number", required: true },
      { id: "s1_lms", label: "LMS", kind: "url", required: false },
    ], sections: [] },
    { number: "4", title: "Tổ chức", fields: [
      { id: "s4_infra", label: "Hạ tầng", kind: "table", required: false, columns: [] },
    ], sections: [
      { number: "4a", title: "Đô thị thông minh", fields: [{ id: "s4a_result", label: "Kết quả", kind: "rich_text", required: true }], sections: [] },
    ] },
  ],
} as unknown as Outline;

describe("outline", () => {
  it("walks sections in reading order", () => {
    expect(walkSections(outline.sections).map((s) => s.number)).toEqual(["1", "4", "4a"]);
  });

  it("treats blank text, empty lists and missing answers as no answer, but not false or 0", () => {
    expect([undefined, null, "  ", [], {}].every(isEmpty)).toBe(true);
    expect([false, 0, "x", [{}]].some(isEmpty)).toBe(false);
  });

  it("counts required answers of a section", () => {
    expect(sectionProgress(outline.sections[0], { s1_result: "Có", s1_share: 0, s1_lms: "" })).toEqual({ required: 2, answered: 2 });
    expect(sectionProgress(outline.sections[0], { s1_result: " ", s1_share: 3 })).toEqual({ required: 2, answered: 1 });
  });

  it("groups the server's missing answers by section, table cells with their table", () => {
    expect(baseFieldId("s4_infra[2].item")).toBe("s4_infra");
    const grouped = problemsBySection(outline, [
      { field: "s4a_result", message: "Mục 4a: chưa trả lời" },
      { field: "s1_share", message: "Mục 1: chưa trả lời" },
      { field: "s4_infra[1].quantity", message: "Mục 4: dòng 1" },
      { field: "unknown", message: "lạ" },
    ]);
    expect([...grouped.keys()]).toEqual(["1", "4", "4a", ""]);
    expect(grouped.get("4")![0].message).toBe("Mục 4: dòng 1");
    expect(problemsByField([{ field: "s4_infra[1].quantity", message: "a" }, { field: "s4_infra[2].item", message: "b" }]).get("s4_infra")).toBe("a");
  });
});
