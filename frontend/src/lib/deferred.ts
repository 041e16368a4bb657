// Stand-ins for objects that arrive later (e.g. a lazily loaded chunk's instances): every method call on a stand-in
// runs on the real object at once when it is there, or is kept and played, in order, once it arrives.

type Methods = Record<PropertyKey, (...args: unknown[]) => unknown>;

export interface Deferred<T extends object> {
  /** `target[part]` as it will be: its methods may be called now. */
  standIn<K extends keyof T>(part: K): T[K];
  /** The real object: calls kept so far are played on it. */
  ready(target: T): void;
  /** Calls made before `ready`, not yet played. */
  pending(): number;
}

/** `needed` is told about every call that has to wait (so the caller can start fetching the real object). */
export function deferred<T extends object>(needed: () => void): Deferred<T> {
  let real: T | null = null;
  const waiting: ((target: T) => void)[] = [];
  const run = (call: (target: T) => unknown) => {
    if (real) return call(real);
    waiting.push(call);
    needed();
    return undefined;
  };
  return {
    standIn: (part) => new Proxy({}, {
      get: (_target, method) => (...args: unknown[]) => run((target) => (target[part] as unknown as Methods)[method](...args)),
    }) as T[typeof part],
    ready: (target) => {
      real = target;
      waiting.splice(0).forEach((call) => call(target));
    },
    pending: () => waiting.length,
  };
}
