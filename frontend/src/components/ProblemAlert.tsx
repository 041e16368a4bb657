import { Alert } from "antd";
import type { ReactNode } from "react";
import { asApiError } from "../api/problem";
import { useT } from "../i18n/lang";

/** An API problem as the server worded it (Vietnamese title and detail), with its field or row errors. */
export function ProblemAlert({ error, action, showErrors = true }: { error: unknown; action?: ReactNode; showErrors?: boolean }) {
  const t = useT();
  if (!error) return null;
  const { problem } = asApiError(error);
  const errors = showErrors ? (problem.errors ?? []) : [];
  return (
    <Alert
      type={problem.status === 0 ? "warning" : "error"}
      showIcon
      role="alert"
      title={problem.title}
      action={action}
      description={
        <>
          {problem.detail && <div>{problem.detail}</div>}
          {errors.length > 0 && (
            <ul className="problem-errors">
              {errors.slice(0, 50).map((e, i) => (
                <li key={i}>
                  {e.row ? `${t("Dòng", "Row")} ${e.row}: ` : ""}
                  {e.message}
                </li>
              ))}
            </ul>
          )}
          {problem.request_id && (
            <div className="muted small">
              {t("Mã yêu cầu (gửi kèm khi báo lỗi)", "Request id (quote it when reporting)")}: {problem.request_id}
            </div>
          )}
        </>
      }
    />
  );
}

/** Field errors of a problem, by field name, for Form.Item `help`. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!error) return {};
  const out: Record<string, string> = {};
  for (const e of asApiError(error).problem.errors ?? []) {
    const name = e.field.replace(/^body\./, "");
    out[name] ??= e.message;
  }
  return out;
}
