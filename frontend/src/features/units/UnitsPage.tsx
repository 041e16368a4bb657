import { ApartmentOutlined, ClusterOutlined, EditOutlined, ImportOutlined } from "@ant-design/icons";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Modal, Input, Select, Space, Table, Tag } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { api, call, download } from "../../api/client";
import type { Cluster, EducationLevel, Unit, UnitType } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { EDUCATION_LEVELS, label, UNIT_TYPES } from "../../components/labels";
import { useLang, useT } from "../../i18n/lang";
import { fileBody, ImportDialog, rowImport } from "../../components/ImportDialog";
import { unitKeys, useClusters } from "./api";
import { UnitPicker } from "./UnitPicker";

const PAGE = 20;
const REPORTING_TYPES: UnitType[] = ["school", "center"];

/** A school's commune (UBND xã/phường) and clusters (cụm trường), changed from today. */
function EditSchool({ unit, onClose }: { unit: Unit | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const clusters = useClusters();
  const [communeId, setCommuneId] = useState<string | null>(null);
  const [clusterIds, setClusterIds] = useState<string[]>([]);
  const active = (clusters.data ?? []).filter((c) => c.active);
  // The commune, then each cluster whose membership changes: one write each, saved as one step.
  const saving = useMutation({
    mutationFn: async (unit: Unit) => {
      if (communeId !== (unit.commune?.id ?? null)) {
        await call(api.PATCH("/api/identity/units/{unit_id}", { params: { path: { unit_id: unit.id } }, body: { commune_id: communeId } }));
      }
      for (const cluster of active) {
        const memberIds = cluster.member_ids ?? [];
        const member = memberIds.includes(unit.id);
        const wanted = clusterIds.includes(cluster.id);
        if (member === wanted) continue;
        const unitIds = wanted ? [...memberIds, unit.id] : memberIds.filter((id) => id !== unit.id);
        await call(api.PUT("/api/identity/clusters/{cluster_id}/members", { params: { path: { cluster_id: cluster.id } }, body: { unit_ids: unitIds } }));
      }
    },
    onSuccess: () => {
      message.success(t("Đã lưu.", "Saved."));
      void queryClient.invalidateQueries({ queryKey: unitKeys.lists() });
      void queryClient.invalidateQueries({ queryKey: unitKeys.clusters() });
      onClose();
    },
  });
  const error = saving.error;
  return (
    <Modal open={unit !== null} title={unit ? unit.name : ""} onCancel={onClose} onOk={() => unit && saving.mutate(unit)} confirmLoading={saving.isPending}
      okText={t("Lưu", "Save")} cancelText={t("Đóng", "Close")} destroyOnHidden
      afterOpenChange={(open) => { if (open && unit) { setCommuneId(unit.commune?.id ?? null); setClusterIds((unit.clusters ?? []).map((c) => c.id)); saving.reset(); } }}>
      {error ? <ProblemAlert error={error} /> : null}
      <Form layout="vertical">
        <Form.Item label={t("UBND xã/phường quản lý", "Commune/ward People's Committee")} htmlFor="edit-commune"
          extra={t("Đổi từ hôm nay; lịch sử được giữ. Chuyển nhiều trường: dùng Sắp xếp đơn vị.", "Changes from today; history is kept.")}>
          <UnitPicker id="edit-commune" types={["commune"]} allowClear value={communeId} onChange={setCommuneId}
            placeholder={t("Gõ tên xã/phường", "Type a commune name")} />
        </Form.Item>
        <Form.Item label={t("Cụm trường", "Clusters")} htmlFor="edit-clusters">
          <Select id="edit-clusters" mode="multiple" allowClear value={clusterIds} onChange={setClusterIds} loading={clusters.isFetching}
            options={active.map((c: Cluster) => ({ value: c.id, label: c.name }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function UnitsPage() {
  const t = useT();
  const { lang } = useLang();
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [types, setTypes] = useState<UnitType[]>([]);
  const [communeId, setCommuneId] = useState<string | null>(null);
  const [clusterId, setClusterId] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const [importing, setImporting] = useState(false);
  const [editing, setEditing] = useState<Unit | null>(null);
  const clusters = useClusters();
  const query = useQuery({
    queryKey: unitKeys.list({ q, types, communeId, clusterId, page }),
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: {
      q: q || undefined, type: types.length ? types : undefined, commune_id: communeId ?? undefined, cluster_id: clusterId,
      limit: PAGE, offset: (page - 1) * PAGE } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle title={t("Đơn vị", "Units")} extra={
        <Space wrap>
          <Link to="/admin/reorganisations"><Button icon={<ApartmentOutlined />}>{t("Sắp xếp đơn vị", "Reorganise")}</Button></Link>
          <Link to="/admin/clusters"><Button icon={<ClusterOutlined />}>{t("Cụm trường", "School clusters")}</Button></Link>
          <Button icon={<ImportOutlined />} onClick={() => setImporting(true)}>{t("Nhập từ Excel", "Import from Excel")}</Button>
        </Space>} />
      <div className="filters">
        <Input.Search allowClear placeholder={t("Tìm theo tên hoặc mã (không cần dấu)", "Search by name or code (diacritics optional)")} aria-label={t("Tìm đơn vị", "Search units")}
          onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 360 }} />
        <Select mode="multiple" allowClear placeholder={t("Loại đơn vị", "Unit type")} aria-label={t("Lọc theo loại đơn vị", "Filter by unit type")} style={{ minWidth: 200 }} value={types}
          onChange={(v) => { setTypes(v); setPage(1); }} options={Object.entries(UNIT_TYPES).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
        <UnitPicker types={["commune"]} allowClear value={communeId} onChange={(v) => { setCommuneId(v); setPage(1); }} style={{ minWidth: 220 }}
          placeholder={t("UBND xã/phường", "Commune")} ariaLabel={t("Lọc theo UBND xã/phường", "Filter by commune")} />
        <Select allowClear placeholder={t("Cụm trường", "Cluster")} aria-label={t("Lọc theo cụm trường", "Filter by cluster")} style={{ minWidth: 180 }} value={clusterId}
          onChange={(v) => { setClusterId(v); setPage(1); }} options={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name }))} />
      </div>
      {query.error ? <ProblemAlert error={query.error} /> : null}
      <Table<Unit> rowKey="id" loading={query.isFetching} dataSource={query.data?.items ?? []} scroll={{ x: 1080 }}
        pagination={{ current: page, pageSize: PAGE, total: query.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t("Mã", "Code"), dataIndex: "code", width: 120,
            render: (code: string, unit) => unit.former_codes?.length ? <>{code}<div className="muted">{t("Mã cũ", "Former")}: {unit.former_codes.join(", ")}</div></> : code },
          { title: t("Tên đơn vị", "Name"), dataIndex: "name" },
          { title: t("Loại", "Type"), dataIndex: "type", width: 150, render: (v: UnitType) => label(UNIT_TYPES[v], lang) },
          { title: t("Cấp học", "Levels"), dataIndex: "education_levels", width: 160, render: (levels: EducationLevel[]) => levels.map((l) => <Tag key={l}>{label(EDUCATION_LEVELS[l], lang)}</Tag>) },
          { title: t("UBND xã/phường", "Commune"), key: "commune", width: 180, render: (_: unknown, unit) => unit.commune?.name ?? "" },
          { title: t("Cụm trường", "Clusters"), key: "clusters", width: 160, render: (_: unknown, unit) => (unit.clusters ?? []).map((c) => <Tag key={c.id}>{c.name}</Tag>) },
          { title: t("Trạng thái", "State"), dataIndex: "active", width: 110, render: (active: boolean) => active ? <Tag color="green">{t("Hoạt động", "Active")}</Tag> : <Tag>{t("Ngừng", "Inactive")}</Tag> },
          { title: "", key: "edit", width: 70, render: (_: unknown, unit) => REPORTING_TYPES.includes(unit.type) && unit.active
            ? <Button size="small" icon={<EditOutlined />} aria-label={t(`Sửa xã/phường, cụm của ${unit.name}`, `Edit ${unit.name}`)} onClick={() => setEditing(unit)} /> : null },
        ]} />
      <EditSchool unit={editing} onClose={() => setEditing(null)} />
      <ImportDialog open={importing} onClose={() => setImporting(false)} title={t("Nhập đơn vị từ tệp Excel", "Import units from Excel")}
        help={t("Cột bắt buộc: Mã đơn vị, Tên đơn vị; thêm Loại đơn vị, Cấp học, Đơn vị quản lý (mã), Mã cũ, Mã xã/phường và Tên xã/phường (UBND xã/phường chưa có sẽ được tạo dưới Sở), Địa chỉ, E-mail đầu mối, Điện thoại. Dòng tiêu đề nằm trong 10 dòng đầu; tên cột không phân biệt dấu. Tải tệp mẫu để có sẵn dòng tiêu đề và hướng dẫn từng cột.",
          "Required columns: unit code, unit name; optional type, levels, managing unit (code), old code, commune code and name (a missing commune is created under the department), address, contact e-mail, phone. The header row must be within the first 10 rows.")}
        {...rowImport(t)}
        run={(file, o) => call(api.POST("/api/identity/units/import", { params: { query: { dry_run: o.dryRun, mode: o.validOnly ? "valid_only" : "all_or_nothing" } }, ...fileBody(file) }))}
        template={() => download(api.GET("/api/identity/units/import/template", { parseAs: "blob" }), "mau-nhap-don-vi.xlsx")}
        onImported={() => void queryClient.invalidateQueries({ queryKey: unitKeys.lists() })} />
    </>
  );
}
