import { useQuery } from "@tanstack/react-query";
import { Select } from "antd";
import { useState, type CSSProperties } from "react";
import { api, call } from "../../api/client";
import type { UnitType } from "../../api/types";
import { useT } from "../../i18n/lang";
import { unitKeys } from "./api";

/** A unit chosen by typing its name or code (diacritics optional), among the units the user manages. */
export function UnitPicker({ value, onChange, id, types, allowClear, placeholder, ariaLabel, style }: {
  value?: string | null; onChange?: (v: string | null) => void; id?: string; types?: UnitType[]; allowClear?: boolean;
  placeholder?: string; ariaLabel?: string; style?: CSSProperties;
}) {
  const t = useT();
  const [q, setQ] = useState("");
  const units = useQuery({
    queryKey: unitKeys.picker(q, types),
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: { q: q || undefined, type: types, limit: 30 } } })),
  });
  return (
    <Select id={id} aria-label={ariaLabel} style={style} showSearch allowClear={allowClear} value={value ?? undefined} onChange={(v) => onChange?.(v ?? null)} filterOption={false}
      onSearch={setQ} placeholder={placeholder ?? t("Gõ tên hoặc mã đơn vị", "Type a unit name or code")}
      options={(units.data?.items ?? []).map((u) => ({ value: u.id, label: `${u.name} (${u.code})` }))} notFoundContent={units.isFetching ? "…" : undefined} />
  );
}
