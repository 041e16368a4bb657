// Evidence upload for phones on a poor connection: the evidence service hands out a presigned URL, the file
// goes straight to the object store with progress (XMLHttpRequest: fetch reports no upload progress), a
// dropped transfer is sent again to the same URL (or a fresh one once it has expired), and only then does the
// service check the bytes and add the evidence (`complete`, safe to call again).
import { api, call } from "../api/client";
import { ApiError, NETWORK_PROBLEM } from "../api/problem";
import type { UploadResult } from "../api/types";
import { retryDelay } from "./draft";

export type UploadPhase = "preparing" | "uploading" | "retrying" | "checking" | "done" | "failed";

export interface UploadState {
  phase: UploadPhase;
  loaded: number;
  total: number;
  attempt: number;
  error?: ApiError;
  result?: UploadResult;
}

export interface UploadRequest {
  file: File;
  submissionId: string;
  criterionCodes: string[];
  title?: string;
}

export const MAX_ATTEMPTS = 6;
const TICKET_MARGIN_MS = 60_000;

class TransferError extends Error {
  constructor(public status: number) {
    super(`transfer failed (${status})`);
  }
}

/** PUT the file to a presigned URL, reporting bytes sent. Rejects with TransferError (status 0: no answer). */
export function putFile(url: string, headers: Record<string, string>, file: Blob, onProgress: (loaded: number) => void,
  signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new TransferError(xhr.status)));
    xhr.onerror = () => reject(new TransferError(0));
    xhr.ontimeout = () => reject(new TransferError(0));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    xhr.send(file);
  });
}

/** Wait `ms`, or less if the browser says it is back online. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      globalThis.removeEventListener?.("online", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    globalThis.addEventListener?.("online", done);
    signal?.addEventListener("abort", done);
  });
}

function ticketFor(request: UploadRequest) {
  return call(api.POST("/api/evidence/uploads", {
    body: {
      submission_id: request.submissionId,
      file_name: request.file.name,
      size: request.file.size,
      content_type: request.file.type || null,
      criterion_codes: request.criterionCodes,
      title: request.title || null,
    },
  }));
}

export async function uploadEvidence(request: UploadRequest, report: (state: UploadState) => void,
  signal?: AbortSignal): Promise<UploadResult> {
  const total = request.file.size;
  let state: UploadState = { phase: "preparing", loaded: 0, total, attempt: 1 };
  const update = (change: Partial<UploadState>) => {
    state = { ...state, ...change };
    report(state);
  };
  update({});
  try {
    let ticket = await withRetries(() => ticketFor(request), update, signal);
    for (let attempt = 1; ; attempt++) {
      if (Date.parse(ticket.expires_at) - Date.now() < TICKET_MARGIN_MS) ticket = await withRetries(() => ticketFor(request), update, signal);
      update({ phase: "uploading", attempt, loaded: 0 });
      try {
        await putFile(ticket.url, ticket.headers ?? {}, request.file, (loaded) => update({ loaded }), signal);
        break;
      } catch (error) {
        if (!(error instanceof TransferError)) throw error;
        // 412: an earlier attempt did arrive (only its answer was lost): the URL stores once, go and confirm.
        if (error.status === 412) break;
        if (error.status === 403) {
          ticket = await withRetries(() => ticketFor(request), update, signal); // the signature expired meanwhile
        } else if (error.status !== 0 && error.status < 500) {
          throw new ApiError({ title: "Kho lưu trữ từ chối tệp", detail: `Mã lỗi ${error.status}. Thử tải lên lại.`, status: error.status, code: "storage_refused" });
        }
        if (attempt >= MAX_ATTEMPTS) throw new ApiError(NETWORK_PROBLEM);
        update({ phase: "retrying", attempt: attempt + 1 });
        await pause(retryDelay(attempt) * 1000, signal);
        if (signal?.aborted) throw new DOMException("aborted", "AbortError");
      }
    }
    update({ phase: "checking", loaded: total });
    const uploadId = ticket.upload_id;
    const result = await withRetries(
      () => call(api.POST("/api/evidence/uploads/{upload_id}/complete", { params: { path: { upload_id: uploadId } } })),
      update,
      signal,
    );
    update({ phase: "done", result });
    return result;
  } catch (error) {
    const failure = error instanceof ApiError ? error : error instanceof DOMException ? new ApiError({ title: "Đã huỷ tải lên", status: -1, code: "aborted" }) : new ApiError(NETWORK_PROBLEM);
    update({ phase: "failed", error: failure });
    throw failure;
  }
}

/** An API call retried while the connection is down (these calls are safe to repeat). */
async function withRetries<T>(work: () => Promise<T>, update: (change: Partial<UploadState>) => void, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retryable = error instanceof ApiError && (error.isNetwork || error.status >= 502);
      if (!retryable || attempt >= MAX_ATTEMPTS || signal?.aborted) throw error;
      update({ phase: "retrying", attempt: attempt + 1 });
      await pause(retryDelay(attempt) * 1000, signal);
    }
  }
}

/** "2,4 MB" */
export function formatBytes(bytes: number | null | undefined, lang: "vi" | "en" = "vi"): string {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value.toFixed(unit === 0 || value >= 10 ? 0 : 1);
  return `${lang === "vi" ? text.replace(".", ",") : text} ${units[unit]}`;
}
