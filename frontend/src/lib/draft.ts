// The answers a person typed that the server does not have yet, and the version they build on.
//
// Autosave sends only what changed since the last save, with the version it was based on (If-Match). A save
// acknowledges exactly what it sent: anything typed while it was in flight stays pending for the next one.
// When someone else saved first (412) nothing is lost: the pending answers stay, and `rebase` puts them on
// top of the newer version once the person has seen it.

export type Values = Record<string, unknown>;

export type SaveState = "saved" | "unsaved" | "saving" | "conflict" | "offline" | "invalid";

export class DraftBuffer {
  private pending: Values = {};
  private revisions = new Map<string, number>();
  private counter = 0;

  constructor(
    public baseVersion: number,
    public server: Values,
  ) {}

  /** What the editor shows: the server's content with the pending answers on top. */
  get view(): Values {
    const merged: Values = { ...this.server, ...this.pending };
    for (const [key, value] of Object.entries(this.pending)) if (value === null) delete merged[key];
    return merged;
  }

  get dirty(): boolean {
    return Object.keys(this.pending).length > 0;
  }

  get pendingValues(): Values {
    return { ...this.pending };
  }

  edit(field: string, value: unknown): void {
    // null clears an answer on the server; undefined would be dropped from the JSON body.
    this.pending[field] = value === undefined || value === "" ? null : value;
    this.revisions.set(field, ++this.counter);
  }

  /** What to send now, with a mark to acknowledge it by. */
  snapshot(): { values: Values; baseVersion: number; mark: number } {
    return { values: { ...this.pending }, baseVersion: this.baseVersion, mark: this.counter };
  }

  /** The server accepted `snapshot` as `version` (and now holds `content`). */
  acknowledge(mark: number, version: number, content: Values): void {
    for (const field of Object.keys(this.pending)) {
      if ((this.revisions.get(field) ?? 0) <= mark) {
        delete this.pending[field];
        this.revisions.delete(field);
      }
    }
    this.baseVersion = version;
    this.server = content;
  }

  /** Someone else saved: build on their version, keeping every pending answer of ours. */
  rebase(version: number, content: Values): void {
    this.baseVersion = version;
    this.server = content;
  }

  /** Give up our pending answers for the server's version. */
  discard(version: number, content: Values): void {
    this.pending = {};
    this.revisions.clear();
    this.rebase(version, content);
  }

  /** Pending answers restored after a reload (kept in the browser while unsaved). */
  restore(values: Values): void {
    for (const [field, value] of Object.entries(values)) this.edit(field, value);
  }
}

/** Seconds to wait before the n-th retry (1-based) of something that failed for want of a connection. */
export function retryDelay(attempt: number, maxSeconds = 30): number {
  return Math.min(maxSeconds, 2 ** Math.max(0, attempt - 1));
}
