// The signed-in session: a short-lived access token and a rotating refresh token (identity's auth/refresh).
//
// Both are kept in localStorage so that a reload, or a second tab, stays signed in. Refreshing is done once
// at a time across tabs (Web Locks where the browser has them): a refresh token used twice would make
// identity revoke the whole session. Every other request goes through `authFetch`, which refreshes shortly
// before expiry and, on a 401, refreshes once and retries.
import { anonymousApi as anonymous } from "../../api/anonymous";
import type { IdentityComponents } from "../../api/generated";

type TokenPair = IdentityComponents["schemas"]["TokenPair"];

export interface Tokens {
  access: string;
  refresh: string;
  accessExpiresAt: number;
}

const KEY = "edudx.session";
/** Why the last session ended without the person asking (kept for the login page, even across a reload). */
const ENDED_KEY = "edudx.session-ended";
const EARLY_MS = 30_000;

let current: Tokens | null = read();
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

function read(): Tokens | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function notify() {
  for (const listener of listeners) listener(current !== null);
}

globalThis.addEventListener?.("storage", (event: StorageEvent) => {
  if (event.key !== KEY) return;
  const before = current !== null;
  current = read();
  if (before !== (current !== null)) notify(); // signed in or out in another tab
});

export function tokens(): Tokens | null {
  return current;
}

export function onSessionChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startSession(pair: TokenPair): void {
  current = { access: pair.access_token, refresh: pair.refresh_token, accessExpiresAt: Date.now() + pair.expires_in * 1000 };
  localStorage.setItem(KEY, JSON.stringify(current));
  notify();
}

export function endSession(reason: "logout" | "expired" = "logout"): void {
  current = null;
  localStorage.removeItem(KEY);
  try {
    if (reason === "expired") sessionStorage.setItem(ENDED_KEY, "expired");
    else sessionStorage.removeItem(ENDED_KEY);
  } catch {
    // storage refused (private mode): the login page simply does not explain
  }
  notify();
}

// What the browser keeps of a person besides the session: unsaved report drafts (`edudx.draft.<submission id>`).
// An expired session keeps them (the same person signs in again and finds the draft); signing out removes them,
// so the next person at a shared computer finds nothing. The language choice is not personal and stays.
const PERSONAL_PREFIXES = ["edudx.draft."];

/** Remove every personal entry (see PERSONAL_PREFIXES) from `storage`. */
export function forgetPersonalData(storage: Storage | undefined = globalThis.localStorage): void {
  if (!storage) return;
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key && PERSONAL_PREFIXES.some((prefix) => key.startsWith(prefix))) keys.push(key);
  }
  for (const key of keys) storage.removeItem(key);
}

/** Signing out on purpose: the session (tokens) and every personal entry the browser kept. */
export function signOut(): void {
  endSession();
  forgetPersonalData();
}

/** True when the last session was ended by the server (refresh refused), not by "Đăng xuất". */
export function sessionExpired(): boolean {
  try {
    return sessionStorage.getItem(ENDED_KEY) === "expired";
  } catch {
    return false;
  }
}

export function forgetSessionEnd(): void {
  try {
    sessionStorage.removeItem(ENDED_KEY);
  } catch {
    // nothing kept
  }
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? (locks.request("edudx-refresh", work) as Promise<T>) : work();
}

/** New tokens from the refresh token; false (and signed out) when identity refuses it. Network errors throw. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= withLock(async () => {
    const stored = read();
    if (!stored) {
      if (current) endSession("expired");
      return false;
    }
    if (stored.access !== current?.access && stored.accessExpiresAt - Date.now() > EARLY_MS) {
      current = stored; // another tab refreshed while we waited
      return true;
    }
    const { data, response } = await anonymous.POST("/api/identity/auth/refresh", {
      body: { refresh_token: stored.refresh },
    });
    if (data) {
      startSession(data);
      return true;
    }
    if (response.status >= 500) throw new TypeError("identity unavailable");
    endSession("expired");
    return false;
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** `fetch` for the typed client: the bearer token, refreshed when due, one retry after a 401. */
export async function authFetch(request: Request): Promise<Response> {
  if (current && current.accessExpiresAt - Date.now() < EARLY_MS) {
    await refreshSession().catch(() => false);
  }
  const retry = request.clone();
  if (current) request.headers.set("Authorization", `Bearer ${current.access}`);
  const response = await fetch(request);
  if (response.status !== 401 || !current) return response;
  if (!(await refreshSession().catch(() => false)) || !current) return response;
  retry.headers.set("Authorization", `Bearer ${(current as Tokens).access}`);
  return fetch(retry);
}

/** The header for requests made outside the typed client (XHR uploads with progress). */
export async function bearer(): Promise<string | null> {
  if (current && current.accessExpiresAt - Date.now() < EARLY_MS) await refreshSession().catch(() => false);
  return current ? `Bearer ${current.access}` : null;
}
