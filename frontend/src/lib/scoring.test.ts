import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { classFor, entryPoints, formatPoints, isScored, parsePoints, pointsProblem, roundToStep, rowErrors, runningTotals, stepOf, type Band, type RubricDefinition } from "./scoring";

// The seed-004 classes: Xuất sắc 90–100, Tốt 80–<90, Khá 70–<80, Trung bình 50–<70, Yếu <50.
const BANDS: Band[] = [
  { label: "Yếu", min: null, min_inclusive: true, max: 50, max_inclusive: false },
  { label: "Trung bình", min: 50, min_inclusive: true, max: 70, max_inclusive: false },
  { label: "Khá", min: 70, min_inclusive: true, max: 80, max_inclusive: false },
  { label: "Tốt", min: 80, min_inclusive: true, max: 90, max_inclusive: false },
  { label: "Xuất sắc", min: 90, min_inclusive: true, max: 100, max_inclusive: true },
];

const RUBRIC: RubricDefinition = {
  title: "Mẫu",
  step: 0.25,
  bands: BANDS,
  groups: [
    { code: "1", title: "Nhóm 1", max_points: 8, criteria: [
      { code: "1.1", text: "Điểm", kind: "points", max_points: 3 },
      { code: "1.2", text: "Khối", kind: "blocks", max_points: 5, items: [{ code: "a", text: "A", points: 2 }, { code: "b", text: "B", points: 3 }] },
    ] },
    { code: "2", title: "Nhóm 2", max_points: 4, criteria: [
      { code: "2.1", text: "Mức", kind: "levels", max_points: 4, items: [{ code: "m1", text: "Mức 1", points: 1 }, { code: "m2", text: "Mức 2", points: 4 }] },
      { code: "2.2", text: "Điều kiện", kind: "mandatory", max_points: 0 },
    ] },
  ],
};

describe("points on the step", () => {
  it("reads a Vietnamese decimal comma", () => {
    expect(parsePoints("2,5")).toBe(2.5);
    expect(parsePoints(" 3 ")).toBe(3);
    expect(parsePoints("")).toBeNull();
    expect(parsePoints("hai")).toBeNaN();
  });
  it("accepts multiples of 0.25 up to the maximum and explains the rest", () => {
    expect(pointsProblem(2.75, 0.25, 3)).toBeNull();
    expect(pointsProblem(0, 0.25, 3)).toBeNull();
    expect(pointsProblem(null, 0.25, 3)).toBeNull();
    expect(pointsProblem(2.6, 0.25, 3)?.[0]).toBe("Điểm chấm theo bước 0,25 (ví dụ 2,5)");
    expect(pointsProblem(3.25, 0.25, 3)?.[0]).toBe("Tối đa 3 điểm");
    expect(pointsProblem(-1, 0.25, 3)?.[0]).toBe("Điểm không được âm");
    expect(pointsProblem(Number.NaN, 0.25, 3)?.[0]).toMatch(/Nhập một số/);
  });
  it("rounds to the nearest step within the range", () => {
    expect(roundToStep(2.6, 0.25, 3)).toBe(2.5);
    expect(roundToStep(2.9, 0.25, 3)).toBe(3);
    expect(roundToStep(7, 0.25, 5)).toBe(5);
    expect(roundToStep(-1, 0.25, 5)).toBe(0);
  });
  it("takes the criterion's step, else the rubric's", () => {
    expect(stepOf({ code: "x", text: "", step: 1 }, RUBRIC)).toBe(1);
    expect(stepOf({ code: "x", text: "" }, { step: 0.5 })).toBe(0.5);
    expect(stepOf({ code: "x", text: "" })).toBe(0.25);
  });
  it("formats like Vietnamese numbers", () => {
    expect(formatPoints(2.5)).toBe("2,5");
    expect(formatPoints(2.5, "en")).toBe("2.5");
    expect(formatPoints(10)).toBe("10");
    expect(formatPoints(null)).toBe("—");
  });
});

describe("running totals", () => {
  it("adds points, blocks reached and levels; mandatory conditions add nothing", () => {
    const entries = { "1.1": { points: 2.5 }, "1.2": { item_codes: ["b"] }, "2.1": { level_code: "m2" }, "2.2": { passed: true } };
    expect(entryPoints(RUBRIC.groups[0].criteria[1], entries["1.2"])).toBe(3);
    expect(runningTotals(RUBRIC, entries)).toEqual({ groups: { "1": 5.5, "2": 4 }, total: 9.5 });
    expect(runningTotals(RUBRIC, {})).toEqual({ groups: { "1": 0, "2": 0 }, total: 0 });
  });
  it("knows an entry that says something", () => {
    expect(isScored(RUBRIC.groups[0].criteria[0], { points: 0 })).toBe(true);
    expect(isScored(RUBRIC.groups[0].criteria[0], { points: null })).toBe(false);
    expect(isScored(RUBRIC.groups[1].criteria[1], { passed: false })).toBe(true);
    expect(isScored(RUBRIC.groups[1].criteria[0], {})).toBe(false);
  });
});

describe("class from the bands", () => {
  it("puts each edge in the right class", () => {
    expect(classFor(BANDS, 100)).toBe("Xuất sắc");
    expect(classFor(BANDS, 90)).toBe("Xuất sắc");
    expect(classFor(BANDS, 89.75)).toBe("Tốt");
    expect(classFor(BANDS, 80)).toBe("Tốt");
    expect(classFor(BANDS, 79.75)).toBe("Khá");
    expect(classFor(BANDS, 70)).toBe("Khá");
    expect(classFor(BANDS, 69.75)).toBe("Trung bình");
    expect(classFor(BANDS, 50)).toBe("Trung bình");
    expect(classFor(BANDS, 49.75)).toBe("Yếu");
    expect(classFor(BANDS, 0)).toBe("Yếu");
  });
  it("is null without bands", () => {
    expect(classFor(undefined, 50)).toBeNull();
  });
});

describe("a refused save, by row", () => {
  it("puts each invalid entry on the criterion it was sent for", () => {
    const error = new ApiError({ title: "Điểm không hợp lệ", status: 422, code: "invalid_scores", errors: [
      { field: "scores[1]", message: "Tiêu chí 2.3: điểm tối đa 10." },
    ] });
    expect(rowErrors(error, ["1.1", "2.3"])).toEqual({ "2.3": "Tiêu chí 2.3: điểm tối đa 10." });
  });
  it("finds the criterion an evidence_required problem names", () => {
    const detail = "Tiêu chí 1.2 cần minh chứng (Kế hoạch) trước khi chấm điểm lớn hơn 0 hoặc chọn đạt.";
    const error = new ApiError({ title: "Tiêu chí cần minh chứng", detail, status: 422, code: "evidence_required" });
    expect(rowErrors(error, ["1.1", "1.2"])).toEqual({ "1.2": detail });
    const attributes = new ApiError({ title: "Tiêu chí cần minh chứng", detail: "Tiêu chí I.3: minh chứng phải ghi rõ Tên giải pháp.", status: 422, code: "evidence_required" });
    expect(Object.keys(rowErrors(attributes, ["I.3"]))).toEqual(["I.3"]);
  });
  it("is empty without an error", () => {
    expect(rowErrors(null, ["1.1"])).toEqual({});
  });
});
