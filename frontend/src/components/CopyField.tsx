// A value shown once (a secret, a private link): read-only, selected on focus, with a copy button.
import { CopyOutlined } from "@ant-design/icons";
import { App, Button, Input } from "antd";
import { useT } from "../i18n/lang";

export function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const t = useT();
  const { message } = App.useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      message.success(t("Đã sao chép.", "Copied."));
    } catch {
      message.warning(t("Không sao chép được; hãy chọn và sao chép bằng tay.", "Could not copy; select it and copy by hand."));
    }
  };
  return (
    <div className="mt-small">
      <label htmlFor={id} className="muted small">{label}</label>
      <div className="calendar-url">
        <Input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <Button icon={<CopyOutlined />} onClick={copy} aria-label={`${t("Sao chép", "Copy")}: ${label}`}>{t("Sao chép", "Copy")}</Button>
      </div>
    </div>
  );
}
