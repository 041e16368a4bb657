import { ImportOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Input, Select, Table, Tag } from "antd";
import { useState } from "react";
import { api, call, download } from "../../api/client";
import type { EducationLevel, Unit, UnitType } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { EDUCATION_LEVELS, label, UNIT_TYPES } from "../../components/labels";
import { useLang, useT } from "../../i18n/lang";
import { fileBody, ImportDialog } from "./ImportDialog";

const PAGE = 20;

export default function UnitsPage() {
  const t = useT();
  const { lang } = useLang();
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [types, setTypes] = useState<UnitType[]>([]);
  const [page, setPage] = useState(1);
  const [importing, setImporting] = useState(false);
  const query = useQuery({
    queryKey: ["units", q, types, page],
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: { q: q || undefined, type: types.length ? types : undefined, limit: PAGE, offset: (page - 1) * PAGE } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle title={t("Đơn vị", "Units")} extra={<Button icon={<ImportOutlined />} onClick={() => setImporting(true)}>{t("Nhập từ Excel", "Import from Excel")}</Button>} />
      <div className="filters">
        <Input.Search allowClear placeholder={t("Tìm theo tên hoặc mã (không cần dấu)", "Search by name or code (diacritics optional)")} aria-label={t("Tìm đơn vị", "Search units")}
          onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 360 }} />
        <Select mode="multiple" allowClear placeholder={t("Loại đơn vị", "Unit type")} aria-label={t("Lọc theo loại đơn vị", "Filter by unit type")} style={{ minWidth: 200 }} value={types}
          onChange={(v) => { setTypes(v); setPage(1); }} options={Object.entries(UNIT_TYPES).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
      </div>
      {query.error ? <ProblemAlert error={query.error} /> : null}
      <Table<Unit> rowKey="id" loading={query.isFetching} dataSource={query.data?.items ?? []} scroll={{ x: 720 }}
        pagination={{ current: page, pageSize: PAGE, total: query.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t("Mã", "Code"), dataIndex: "code", width: 120 },
          { title: t("Tên đơn vị", "Name"), dataIndex: "name" },
          { title: t("Loại", "Type"), dataIndex: "type", width: 130, render: (v: UnitType) => label(UNIT_TYPES[v], lang) },
          { title: t("Cấp học", "Levels"), dataIndex: "education_levels", width: 180, render: (levels: EducationLevel[]) => levels.map((l) => <Tag key={l}>{label(EDUCATION_LEVELS[l], lang)}</Tag>) },
          { title: t("Trạng thái", "State"), dataIndex: "active", width: 120, render: (active: boolean) => active ? <Tag color="green">{t("Hoạt động", "Active")}</Tag> : <Tag>{t("Ngừng", "Inactive")}</Tag> },
        ]} />
      <ImportDialog open={importing} onClose={() => setImporting(false)} title={t("Nhập đơn vị từ tệp Excel", "Import units from Excel")}
        help={t("Cột bắt buộc: Mã đơn vị, Tên đơn vị; thêm Loại đơn vị, Cấp học, Đơn vị quản lý (mã), Địa chỉ, E-mail đầu mối, Điện thoại. Dòng tiêu đề nằm trong 10 dòng đầu; tên cột không phân biệt dấu. Tải tệp mẫu để có sẵn dòng tiêu đề và hướng dẫn từng cột.",
          "Required columns: unit code, unit name; optional type, levels, managing unit (code), address, contact e-mail, phone. The header row must be within the first 10 rows.")}
        run={(file, o) => api.POST("/api/identity/units/import", { params: { query: { dry_run: o.dryRun, mode: o.validOnly ? "valid_only" : "all_or_nothing" } }, ...fileBody(file) })}
        template={() => download(api.GET("/api/identity/units/import/template", { parseAs: "blob" }), "mau-nhap-don-vi.xlsx")}
        onImported={() => void queryClient.invalidateQueries({ queryKey: ["units"] })} />
    </>
  );
}
