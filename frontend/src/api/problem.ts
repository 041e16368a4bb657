// Errors from the API are RFC 9457 problems with a Vietnamese title and detail: they are shown as they are.
// A failure to reach the server at all becomes a problem of our own, in the same shape.

export interface FieldError {
  field: string;
  message: string;
  row?: number | null;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string | null;
  code: string;
  request_id?: string | null;
  errors?: FieldError[] | null;
  extra?: Record<string, unknown> | null;
}

export class ApiError extends Error {
  constructor(public problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }

  /** No answer from the server (offline, connection dropped): worth retrying. */
  get isNetwork(): boolean {
    return this.problem.status === 0;
  }
}

export const NETWORK_PROBLEM: Problem = {
  title: "Không kết nối được máy chủ",
  detail: "Kiểm tra kết nối mạng (Wi-Fi hoặc 4G) rồi thử lại. Nội dung chưa lưu vẫn được giữ trên máy.",
  status: 0,
  code: "network_error",
};

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "title" in value && "status" in value;
}

/** Whatever a failed call gave us, as a problem a person can read. */
export function toProblem(body: unknown, status: number): Problem {
  if (isProblem(body)) return body;
  if (status === 0) return NETWORK_PROBLEM;
  if (status >= 500)
    return { title: "Máy chủ đang gặp sự cố", detail: "Vui lòng thử lại sau ít phút. Nếu vẫn lỗi, báo cho bộ phận CNTT của Sở GDĐT.", status, code: "server_error" };
  return { title: "Yêu cầu không thực hiện được", detail: typeof body === "string" && body ? body : null, status, code: "http_error" };
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TypeError) return new ApiError(NETWORK_PROBLEM);
  return new ApiError({ title: "Đã có lỗi không mong muốn", detail: String(error), status: -1, code: "client_error" });
}
