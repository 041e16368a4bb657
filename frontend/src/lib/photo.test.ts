import { describe, expect, it } from "vitest";
import { fittedSize, MAX_EDGE, mayShrink } from "./photo";

describe("fittedSize", () => {
  it("brings a 12-megapixel shot down to the long edge, keeping its shape", () => {
    expect(fittedSize(4032, 3024)).toEqual({ width: MAX_EDGE, height: 1920 });
    expect(fittedSize(3024, 4032)).toEqual({ width: 1920, height: MAX_EDGE });
  });
  it("never upscales", () => {
    expect(fittedSize(1600, 1200)).toEqual({ width: 1600, height: 1200 });
    expect(fittedSize(MAX_EDGE, 100)).toEqual({ width: MAX_EDGE, height: 100 });
  });
});

describe("mayShrink", () => {
  it("leaves PDFs, HEIC and office files alone", () => {
    expect(mayShrink({ type: "application/pdf", size: 9e6 })).toBe(false);
    expect(mayShrink({ type: "image/heic", size: 9e6 })).toBe(false);
    expect(mayShrink({ type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", size: 9e6 })).toBe(false);
    expect(mayShrink({ type: "image/jpeg", size: 5e6 })).toBe(true);
  });
});
