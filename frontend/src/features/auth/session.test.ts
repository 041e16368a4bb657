import { describe, expect, it } from "vitest";
import { forgetPersonalData } from "./session";

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe("forgetPersonalData", () => {
  it("removes every unsaved draft and keeps what is not personal", () => {
    const storage = new MemoryStorage();
    storage.setItem("edudx.draft.1f0c", '{"values":{"1.1":"Có"}}');
    storage.setItem("edudx.draft.9a2b", '{"values":{}}');
    storage.setItem("edudx.lang", "vi");
    storage.setItem("other.app", "x");

    forgetPersonalData(storage);

    expect(storage.getItem("edudx.draft.1f0c")).toBeNull();
    expect(storage.getItem("edudx.draft.9a2b")).toBeNull();
    expect(storage.getItem("edudx.lang")).toBe("vi");
    expect(storage.getItem("other.app")).toBe("x");
  });
});
