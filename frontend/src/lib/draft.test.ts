import { describe, expect, it } from "vitest";
import { DraftBuffer, retryDelay } from "./draft";

describe("DraftBuffer", () => {
  it("shows pending answers over the server's, and a cleared one as absent", () => {
    const draft = new DraftBuffer(3, { a: "cũ", b: 1 });
    draft.edit("a", "mới");
    draft.edit("b", "");
    expect(draft.view).toEqual({ a: "mới" });
    expect(draft.snapshot()).toEqual({ values: { a: "mới", b: null }, baseVersion: 3, mark: 2 });
  });

  it("keeps what was typed while a save was in flight", () => {
    const draft = new DraftBuffer(1, {});
    draft.edit("a", "x");
    const sent = draft.snapshot();
    draft.edit("a", "xy"); // typed during the save
    draft.edit("b", 5);
    draft.acknowledge(sent.mark, 2, { a: "x" });
    expect(draft.baseVersion).toBe(2);
    expect(draft.pendingValues).toEqual({ a: "xy", b: 5 });
    expect(draft.view).toEqual({ a: "xy", b: 5 });
  });

  it("is clean once everything sent is acknowledged", () => {
    const draft = new DraftBuffer(1, {});
    draft.edit("a", "x");
    const sent = draft.snapshot();
    draft.acknowledge(sent.mark, 2, { a: "x" });
    expect(draft.dirty).toBe(false);
  });

  it("loses nothing on a conflict: rebase keeps ours on top of the newer version", () => {
    const draft = new DraftBuffer(4, { a: "A", b: "B" });
    draft.edit("a", "của tôi");
    draft.rebase(6, { a: "của người khác", b: "B2", c: "C" });
    expect(draft.view).toEqual({ a: "của tôi", b: "B2", c: "C" });
    expect(draft.snapshot().baseVersion).toBe(6);
    draft.discard(6, { a: "của người khác" });
    expect(draft.dirty).toBe(false);
    expect(draft.view).toEqual({ a: "của người khác" });
  });

  it("restores answers kept in the browser", () => {
    const draft = new DraftBuffer(2, { a: 1 });
    draft.restore({ a: 2, b: null });
    expect(draft.view).toEqual({ a: 2 });
    expect(draft.dirty).toBe(true);
  });
});

describe("retryDelay", () => {
  it("doubles up to a ceiling", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n))).toEqual([1, 2, 4, 8, 16, 30, 30]);
  });
});
