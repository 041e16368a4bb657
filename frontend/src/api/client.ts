// The one typed client of every service's API through the gateway. Types come from src/api/generated
// (`make client`), so a changed endpoint breaks the build instead of the screen.
import createClient from "openapi-fetch";
import { authFetch } from "../features/auth/session";
import type { AllPaths } from "./generated";
import { ApiError, asApiError, toProblem } from "./problem";

export const api = createClient<AllPaths>({ baseUrl: "", fetch: authFetch });

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; otherwise an ApiError carrying the server's problem. */
export async function call<T>(request: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await request;
  } catch (error) {
    throw asApiError(error);
  }
  if (outcome.error !== undefined || !outcome.response.ok) {
    throw new ApiError(toProblem(outcome.error, outcome.response.status));
  }
  return outcome.data as T;
}

/** The largest page a list serves (`limit`, 1–500): what `wholeList` asks for. */
export const PAGE_MAX = 500;

interface Envelope {
  items: unknown[];
  total: number;
}

/** Every page of a list (the `{items, total, limit, offset, next}` envelope), `PAGE_MAX` at a time, as one page:
 * for the screens that show a list whole (picklists, a report's history). `page(offset)` asks for one page. */
export async function wholeList<P extends Envelope>(page: (offset: number) => Promise<Outcome<P>>): Promise<P> {
  const first = await call(page(0));
  const items = [...first.items];
  while (items.length < first.total) {
    const next = await call(page(items.length));
    if (next.items.length === 0) break;
    items.push(...next.items);
  }
  return { ...first, items };
}

/** The items of every page of a list (see `wholeList`). */
export async function allItems<P extends Envelope>(page: (offset: number) => Promise<Outcome<P>>): Promise<P["items"]> {
  return (await wholeList(page)).items;
}

/** The file name a download names in its Content-Disposition (RFC 5987 `filename*` first). */
export function fileNameOf(response: Response, fallback: string): string {
  const header = response.headers.get("content-disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Save a blob the API returned under the name the server gave it. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Call an endpoint that answers a file, and save it. */
export async function download(request: Promise<Outcome<Blob>>, fallbackName: string): Promise<void> {
  let outcome: Outcome<Blob>;
  try {
    outcome = await request;
  } catch (error) {
    throw asApiError(error);
  }
  if (!outcome.response.ok || !outcome.data) {
    const body = await outcome.response.clone().json().catch(() => outcome.error);
    throw new ApiError(toProblem(body, outcome.response.status));
  }
  saveBlob(outcome.data, fileNameOf(outcome.response, fallbackName));
}
