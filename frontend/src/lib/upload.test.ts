import { describe, expect, it } from "vitest";
import { formatBytes } from "./upload";

describe("formatBytes", () => {
  it("uses a decimal comma in Vietnamese", () => {
    expect(formatBytes(2_516_582)).toBe("2,4 MB");
    expect(formatBytes(2_516_582, "en")).toBe("2.4 MB");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(15 * 1024 * 1024)).toBe("15 MB");
    expect(formatBytes(null)).toBe("");
  });
});
