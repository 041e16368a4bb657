import { describe, expect, it } from "vitest";
import { deferred } from "./deferred";

interface Apis {
  message: { success: (text: string) => string; error: (text: string, seconds: number) => string };
  modal: { confirm: (config: { title: string }) => string };
}

function recording() {
  const calls: string[] = [];
  const apis: Apis = {
    message: { success: (text) => { calls.push(`success:${text}`); return "closer"; }, error: (text, s) => { calls.push(`error:${text}:${s}`); return "closer"; } },
    modal: { confirm: ({ title }) => { calls.push(`confirm:${title}`); return "handle"; } },
  };
  return { calls, apis };
}

describe("deferred", () => {
  it("keeps calls made before the real object arrives and plays them in order, with their arguments", () => {
    let asked = 0;
    const later = deferred<Apis>(() => { asked += 1; });
    const message = later.standIn("message");
    expect(message.success("Đã lưu")).toBeUndefined();
    later.standIn("modal").confirm({ title: "Công bố?" });
    message.error("Lỗi", 8);
    expect(later.pending()).toBe(3);
    expect(asked).toBe(3);
    const { calls, apis } = recording();
    expect(calls).toEqual([]);
    later.ready(apis);
    expect(calls).toEqual(["success:Đã lưu", "confirm:Công bố?", "error:Lỗi:8"]);
    expect(later.pending()).toBe(0);
  });

  it("calls the real object at once, and returns its answer, once it is there", () => {
    let asked = 0;
    const later = deferred<Apis>(() => { asked += 1; });
    const message = later.standIn("message");
    const { calls, apis } = recording();
    later.ready(apis);
    expect(message.success("Xong")).toBe("closer");
    expect(later.standIn("modal").confirm({ title: "Xoá?" })).toBe("handle");
    expect(calls).toEqual(["success:Xong", "confirm:Xoá?"]);
    expect(asked).toBe(0);
  });
});
