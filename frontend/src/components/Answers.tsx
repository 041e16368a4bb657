// A section's answers, read-only (the reviewer's screen, a submitted report): each field as text, a table as a table.
import { Descriptions } from "antd";
import dayjs from "dayjs";
import { useT } from "../i18n/lang";
import type { OutlineField, OutlineSection } from "../lib/outline";

type Column = NonNullable<OutlineField["columns"]>[number];

export function Answers({ section, content }: { section: OutlineSection; content: Record<string, unknown> }) {
  const t = useT();
  if (!section.fields?.length) return null;
  return (
    <Descriptions column={1} size="small" layout="vertical" bordered className="mb" items={section.fields.map((field) => {
      const value = content[field.id];
      const children = field.kind === "table" ? (
        Array.isArray(value) && value.length ? (
          <div className="table-scroll">
            <table className="answer-table">
              <thead><tr>{(field.columns ?? []).map((c) => <th key={c.id} scope="col">{c.label}</th>)}</tr></thead>
              <tbody>{(value as Record<string, unknown>[]).map((row, i) => (
                <tr key={i}>{(field.columns ?? []).map((c) => <td key={c.id}>{answerText(c, row[c.id], t)}</td>)}</tr>
              ))}</tbody>
            </table>
          </div>
        ) : "—"
      ) : field.kind === "url" && typeof value === "string" ? <a href={value} target="_blank" rel="noreferrer noopener">{value}</a>
        : <span className="answer">{answerText(field, value, t)}</span>;
      return { key: field.id, label: field.label, children };
    })} />
  );
}

/** An answer as text, for read-only views (the reviewer's screen, a submitted report). */
export function answerText(field: OutlineField | Column, value: unknown, t: (vi: string, en: string) => string): string {
  if (value === null || value === undefined || value === "") return "—";
  switch (field.kind) {
    case "boolean":
      return value ? t("Có", "Yes") : t("Không", "No");
    case "date":
      return dayjs(value as string).format("DD/MM/YYYY");
    case "choice":
      return Array.isArray(value) ? value.join("; ") : String(value);
    case "number":
    case "integer":
      return `${String(value).replace(".", ",")}${"unit" in field && field.unit ? ` ${field.unit}` : ""}`;
    default:
      return String(value);
  }
}
