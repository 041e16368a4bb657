// One answer of the outline, by its kind: rich text, text, number, integer, yes/no, date, choice, URL, table.
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Checkbox, DatePicker, Form, Input, InputNumber, Radio, Select } from "antd";
import dayjs from "dayjs";
import type { OutlineField } from "../../lib/outline";
import { useLang, useT } from "../../i18n/lang";

type Column = NonNullable<OutlineField["columns"]>[number];
type Row = Record<string, unknown>;

interface Props {
  field: OutlineField | Column;
  value: unknown;
  onChange: (value: unknown) => void;
  disabled?: boolean;
  id: string;
  invalid?: boolean;
}

function ScalarInput({ field, value, onChange, disabled, id, invalid }: Props) {
  const t = useT();
  const { lang } = useLang();
  const status = invalid ? "error" : undefined;
  const unit = "unit" in field ? field.unit : undefined;
  switch (field.kind) {
    case "rich_text":
      return (
        <Input.TextArea id={id} status={status} disabled={disabled} value={(value as string) ?? ""} autoSize={{ minRows: 4, maxRows: 24 }}
          maxLength={field.max ?? undefined} onChange={(e) => onChange(e.target.value)} />
      );
    case "text":
      return <Input id={id} status={status} disabled={disabled} value={(value as string) ?? ""} maxLength={field.max ?? undefined} onChange={(e) => onChange(e.target.value)} />;
    case "url":
      return (
        <Input id={id} status={status} disabled={disabled} type="url" inputMode="url" placeholder="https://…" value={(value as string) ?? ""}
          onChange={(e) => onChange(e.target.value.trim())} />
      );
    case "number":
    case "integer":
      return (
        <InputNumber id={id} status={status} disabled={disabled} value={(value as number | null) ?? null} min={field.min ?? undefined} max={field.max ?? undefined}
          precision={field.kind === "integer" ? 0 : undefined} decimalSeparator={lang === "vi" ? "," : "."} inputMode={field.kind === "integer" ? "numeric" : "decimal"}
          style={{ width: "100%", maxWidth: 260 }} suffix={unit ?? undefined}
          onChange={(v) => onChange(v === null ? null : Number(v))} />
      );
    case "boolean":
      return (
        <Radio.Group id={id} disabled={disabled} value={value === undefined ? null : value} onChange={(e) => onChange(e.target.value)}
          options={[{ label: t("Có", "Yes"), value: true }, { label: t("Không", "No"), value: false }]} />
      );
    case "date":
      return (
        <DatePicker id={id} status={status} disabled={disabled} format="DD/MM/YYYY" value={value ? dayjs(value as string) : null}
          onChange={(d) => onChange(d ? d.format("YYYY-MM-DD") : null)} />
      );
    case "choice": {
      const options = (field.options ?? []).map((o) => ({ label: o, value: o }));
      if ("multiple" in field && field.multiple)
        return (
          <div id={id} role="group">
            <Checkbox.Group className="choice-list" disabled={disabled} options={options} value={(value as string[]) ?? []} onChange={(v) => onChange(v.length ? v : null)} />
          </div>
        );
      if (options.length <= 5)
        return <Radio.Group id={id} disabled={disabled} options={options} value={value ?? null} onChange={(e) => onChange(e.target.value)} />;
      return <Select id={id} status={status} disabled={disabled} allowClear options={options} value={(value as string) ?? undefined} onChange={(v) => onChange(v ?? null)} style={{ maxWidth: 420, width: "100%" }} />;
    }
    default:
      return null;
  }
}

/** A table answer as a list of rows, each row its columns' inputs: readable on a phone as on a desktop. */
function TableInput({ field, value, onChange, disabled, id }: Props) {
  const t = useT();
  const columns = ("columns" in field ? field.columns : null) ?? [];
  const rows = (Array.isArray(value) ? value : []) as Row[];
  const maxRows = "max_rows" in field ? field.max_rows : null;
  const setCell = (index: number, column: string, cell: unknown) => {
    const next = rows.map((row, i) => (i === index ? { ...row, [column]: cell === "" ? null : cell } : row));
    onChange(next);
  };
  return (
    <div className="table-editor" id={id}>
      {rows.map((row, index) => (
        <fieldset key={index} className="table-row">
          <legend>{t("Dòng", "Row")} {index + 1}</legend>
          <div className="table-row-cells">
            {columns.map((column) => (
              <Form.Item key={column.id} label={column.label} required={column.required} className="table-cell" htmlFor={`${id}-${index}-${column.id}`}>
                <ScalarInput field={column} id={`${id}-${index}-${column.id}`} value={row[column.id]} disabled={disabled} onChange={(cell) => setCell(index, column.id, cell)} />
              </Form.Item>
            ))}
            {!disabled && (
              <Button danger type="text" icon={<DeleteOutlined />} aria-label={`${t("Xoá dòng", "Delete row")} ${index + 1}`}
                onClick={() => onChange(rows.filter((_, i) => i !== index))}>
                {t("Xoá dòng", "Delete row")}
              </Button>
            )}
          </div>
        </fieldset>
      ))}
      {!disabled && (!maxRows || rows.length < maxRows) && (
        <Button icon={<PlusOutlined />} onClick={() => onChange([...rows, {}])}>{t("Thêm dòng", "Add a row")}</Button>
      )}
    </div>
  );
}

export function FieldInput(props: Props) {
  return props.field.kind === "table" ? <TableInput {...props} /> : <ScalarInput {...props} />;
}
