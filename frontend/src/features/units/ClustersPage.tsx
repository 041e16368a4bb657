// Cụm trường (clusters): the Sở's admins create, rename and stop using them, and choose their schools (searched by
// name or code, diacritics optional, or by commune). Membership changes from today; identity keeps it dated.
import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Popconfirm, Space, Table, Tag } from "antd";
import { useEffect, useState } from "react";
import { api, call } from "../../api/client";
import type { Cluster, Unit } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { PageTitle } from "../../components/PageTitle";
import { fieldErrors, ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { unitKeys, useClusters } from "./api";
import { UnitPicker } from "./UnitPicker";

const PAGE = 10;
const OWNER_TYPES = ["department", "ministry"];

interface ClusterDraft { code: string; name: string; owner_unit_id?: string | null }

/** A new cluster, or a new name for one. */
function ClusterForm({ open, cluster, onClose, onSaved }: {
  open: boolean; cluster: Cluster | null; onClose: () => void; onSaved: (saved: Cluster) => void;
}) {
  const t = useT();
  const me = useMe();
  const [form] = Form.useForm<ClusterDraft>();
  const ownsClusters = OWNER_TYPES.includes(me.unit_type);
  const save = useMutation({
    mutationFn: (draft: ClusterDraft) => cluster
      ? call(api.PATCH("/api/identity/clusters/{cluster_id}", { params: { path: { cluster_id: cluster.id } }, body: { name: draft.name } }))
      : call(api.POST("/api/identity/clusters", { body: {
        code: draft.code, name: draft.name, owner_unit_id: ownsClusters ? me.unit_id : draft.owner_unit_id ?? "" } })),
    onSuccess: onSaved,
  });
  const { reset } = save;
  const error = save.error;
  const busy = save.isPending;
  const errors = fieldErrors(error);
  useEffect(() => { if (open) reset(); }, [open, reset]);
  return (
    <Modal open={open} title={cluster ? t("Đổi tên cụm trường", "Rename the cluster") : t("Thêm cụm trường", "New cluster")}
      okText={t("Lưu", "Save")} cancelText={t("Huỷ", "Cancel")} confirmLoading={busy} onCancel={onClose} onOk={() => form.submit()} destroyOnHidden>
      {error ? <div className="mb"><ProblemAlert error={error} showErrors={false} /></div> : null}
      {/* Mounted afresh at each opening (destroyOnHidden): the values start from the cluster being renamed. */}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ code: cluster?.code ?? "", name: cluster?.name ?? "" }}
        onFinish={(draft) => save.mutate(draft)}>
        {!cluster && !ownsClusters ? (
          <Form.Item name="owner_unit_id" label={t("Sở GDĐT định nghĩa cụm", "Department")} rules={[{ required: true, message: t("Chọn Sở", "Choose one") }]}
            validateStatus={errors.owner_unit_id ? "error" : undefined} help={errors.owner_unit_id}>
            <UnitPicker types={["department"]} />
          </Form.Item>
        ) : null}
        <Form.Item name="code" label={t("Mã cụm", "Code")} rules={[{ required: true, pattern: /^[A-Za-z0-9._-]{1,40}$/, message: t("Chữ không dấu, số và . _ -", "Letters, digits, . _ -") }]}
          validateStatus={errors.code ? "error" : undefined} help={errors.code}>
          <Input maxLength={40} disabled={cluster !== null} placeholder="CUM-3" />
        </Form.Item>
        <Form.Item name="name" label={t("Tên cụm", "Name")} rules={[{ required: true, min: 2, message: t("Nhập tên cụm (ít nhất 2 ký tự)", "At least 2 characters") }]}
          validateStatus={errors.name ? "error" : undefined} help={errors.name}>
          <Input maxLength={255} placeholder={t("Ví dụ: Cụm 3 – Thanh Đức", "e.g. Cluster 3")} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The chosen cluster's schools, and schools to add to it. */
function Members({ cluster }: { cluster: Cluster }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [communeId, setCommuneId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [chosen, setChosen] = useState<string[]>([]);
  const memberIds = cluster.member_ids ?? [];
  const members = useQuery({
    queryKey: unitKeys.clusterMembers(cluster.id, memberIds.length),
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: { cluster_id: cluster.id, limit: 200 } } })),
  });
  const searching = q !== "" || communeId !== null;
  const candidates = useQuery({
    queryKey: unitKeys.clusterCandidates(q, communeId, page),
    queryFn: () => call(api.GET("/api/identity/units", { params: { query: {
      q: q || undefined, commune_id: communeId ?? undefined, type: ["school", "center"], limit: PAGE, offset: (page - 1) * PAGE } } })),
    enabled: searching,
    placeholderData: keepPreviousData,
  });
  const membership = useMutation({
    mutationFn: ({ unitIds }: { unitIds: string[]; done: string }) =>
      call(api.PUT("/api/identity/clusters/{cluster_id}/members", { params: { path: { cluster_id: cluster.id } }, body: { unit_ids: unitIds } })),
    onSuccess: async (_saved, { done }) => {
      message.success(done);
      setChosen([]);
      await queryClient.invalidateQueries({ queryKey: unitKeys.clusters() });
      void queryClient.invalidateQueries({ queryKey: unitKeys.all });
    },
  });
  const error = membership.error;
  const busy = membership.isPending;
  const setMembers = (unitIds: string[], done: string) => membership.mutate({ unitIds, done });
  const add = () => setMembers([...memberIds, ...chosen.filter((id) => !memberIds.includes(id))],
    t(`Đã thêm ${chosen.length} trường vào cụm.`, `Added ${chosen.length} schools.`));
  const remove = (unit: Unit) => setMembers(memberIds.filter((id) => id !== unit.id),
    t(`Đã bỏ ${unit.name} khỏi cụm.`, `Removed ${unit.name}.`));
  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      {error ? <ProblemAlert error={error} /> : null}
      <Card size="small" title={t(`Các trường trong cụm (${memberIds.length})`, `Schools in the cluster (${memberIds.length})`)}>
        <Table<Unit> size="small" rowKey="id" loading={members.isFetching} dataSource={members.data?.items ?? []} pagination={false} scroll={{ x: 560 }}
          locale={{ emptyText: t("Cụm chưa có trường nào.", "No school yet.") }}
          columns={[
            { title: t("Mã", "Code"), dataIndex: "code", width: 130, responsive: ["sm"] },
            { title: t("Tên trường", "School"), dataIndex: "name" },
            { title: t("UBND xã/phường", "Commune"), key: "commune", width: 170, responsive: ["md"], render: (_: unknown, unit) => unit.commune?.name ?? "" },
            { title: "", key: "remove", width: 60, render: (_: unknown, unit) => cluster.active ? (
              <Popconfirm title={t(`Bỏ ${unit.name} khỏi cụm từ hôm nay?`, `Remove ${unit.name}?`)} okText={t("Bỏ khỏi cụm", "Remove")} cancelText={t("Không", "No")} onConfirm={() => remove(unit)}>
                <Button size="small" danger icon={<DeleteOutlined />} aria-label={t(`Bỏ ${unit.name} khỏi cụm`, `Remove ${unit.name}`)} disabled={busy} />
              </Popconfirm>) : null },
          ]} />
      </Card>
      {cluster.active ? (
        <Card size="small" title={t("Thêm trường vào cụm", "Add schools")}>
          <div className="filters">
            <Input.Search allowClear placeholder={t("Tìm theo tên hoặc mã trường (không cần dấu)", "Search by name or code")} aria-label={t("Tìm trường để thêm vào cụm", "Search schools to add")}
              onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 360 }} />
            <UnitPicker types={["commune"]} allowClear value={communeId} onChange={(v) => { setCommuneId(v); setPage(1); }} style={{ minWidth: 220 }}
              placeholder={t("Hoặc chọn UBND xã/phường", "Or choose a commune")} ariaLabel={t("Trường của UBND xã/phường", "Schools of a commune")} />
          </div>
          {searching ? (
            <>
              {/* Scrolled by this region, not by the table's `scroll`: that adds an aria-hidden measuring row holding the
                  select-all checkbox (focusable inside aria-hidden), as on the status board. */}
              <div className="table-scroll mb" role="region" tabIndex={0} aria-label={t("Trường tìm được", "Schools found")}>
              <Table<Unit> size="small" rowKey="id" loading={candidates.isFetching} dataSource={candidates.data?.items ?? []}
                rowSelection={{ selectedRowKeys: chosen, preserveSelectedRowKeys: true, onChange: (keys) => setChosen(keys as string[]),
                  getCheckboxProps: (unit) => ({ disabled: memberIds.includes(unit.id), "aria-label": t(`Chọn ${unit.name}`, `Choose ${unit.name}`) }) }}
                pagination={{ current: page, pageSize: PAGE, total: candidates.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
                locale={{ emptyText: t("Không có trường nào khớp.", "No school matches.") }}
                columns={[
                  { title: t("Mã", "Code"), dataIndex: "code", width: 130, responsive: ["sm"] },
                  { title: t("Tên trường", "School"), dataIndex: "name",
                    render: (name: string, unit) => memberIds.includes(unit.id) ? <>{name} <Tag>{t("Đã trong cụm", "Member")}</Tag></> : name },
                  { title: t("UBND xã/phường", "Commune"), key: "commune", width: 170, responsive: ["md"], render: (_: unknown, unit) => unit.commune?.name ?? "" },
                ]} />
              </div>
              <Button type="primary" icon={<PlusOutlined />} disabled={chosen.length === 0} loading={busy} onClick={add}>
                {t(`Thêm ${chosen.length} trường đã chọn`, `Add ${chosen.length} chosen`)}
              </Button>
            </>
          ) : <div className="muted">{t("Gõ tên, mã trường hoặc chọn xã/phường để tìm.", "Type a name or code, or choose a commune.")}</div>}
        </Card>
      ) : null}
    </Space>
  );
}

export default function ClustersPage() {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const clusters = useClusters();
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<Cluster | null | undefined>(undefined); // null: a new one
  const items = clusters.data ?? [];
  const selected = items.find((c) => c.id === selectedId) ?? null;
  const activation = useMutation({
    mutationFn: ({ cluster, active }: { cluster: Cluster; active: boolean }) =>
      call(api.PATCH("/api/identity/clusters/{cluster_id}", { params: { path: { cluster_id: cluster.id } }, body: { active } })),
    onSuccess: (_saved, { active }) => {
      message.success(active ? t("Đã dùng lại cụm.", "Cluster in use again.") : t("Đã ngừng sử dụng cụm (lịch sử được giữ).", "Cluster archived."));
      void queryClient.invalidateQueries({ queryKey: unitKeys.clusters() });
    },
  });
  const error = activation.error;
  const setActive = (cluster: Cluster, active: boolean) => activation.mutate({ cluster, active });
  return (
    <>
      <PageTitle title={t("Cụm trường", "School clusters")} extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)}>{t("Thêm cụm trường", "New cluster")}</Button>} />
      {clusters.error ? <ProblemAlert error={clusters.error} /> : null}
      {error ? <ProblemAlert error={error} /> : null}
      <Table<Cluster> rowKey="id" loading={clusters.isFetching} dataSource={items} pagination={false} scroll={{ x: 640 }} className="mb"
        locale={{ emptyText: t("Chưa có cụm trường nào.", "No cluster yet.") }}
        rowClassName={(c) => (c.id === selectedId ? "ant-table-row-selected" : "")}
        columns={[
          { title: t("Mã", "Code"), dataIndex: "code", width: 130, responsive: ["sm"] },
          { title: t("Tên cụm", "Name"), dataIndex: "name" },
          { title: t("Số trường", "Schools"), key: "members", width: 90, render: (_: unknown, c) => (c.member_ids ?? []).length },
          { title: t("Trạng thái", "State"), dataIndex: "active", width: 130,
            render: (active: boolean) => active ? <Tag color="green">{t("Đang dùng", "In use")}</Tag> : <Tag>{t("Ngừng sử dụng", "Archived")}</Tag> },
          { title: t("Thao tác", "Actions"), key: "actions", width: 250, render: (_: unknown, c) => (
            <Space wrap size="small">
              <Button size="small" type={c.id === selectedId ? "primary" : "default"} onClick={() => setSelectedId(c.id)}
                aria-label={t(`Các trường của ${c.name}`, `Schools of ${c.name}`)}>{t("Các trường", "Schools")}</Button>
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(c)} aria-label={t(`Đổi tên ${c.name}`, `Rename ${c.name}`)} />
              {c.active ? (
                <Popconfirm title={t("Ngừng sử dụng cụm này? Lịch sử và các đợt đã phát hành vẫn giữ.", "Archive this cluster?")}
                  okText={t("Ngừng sử dụng", "Archive")} cancelText={t("Không", "No")} onConfirm={() => setActive(c, false)}>
                  <Button size="small">{t("Ngừng sử dụng", "Archive")}</Button>
                </Popconfirm>
              ) : <Button size="small" onClick={() => setActive(c, true)}>{t("Dùng lại", "Use again")}</Button>}
            </Space>) },
        ]} />
      {selected ? (
        <Card title={t(`Cụm: ${selected.name}`, `Cluster: ${selected.name}`)}>
          <Members key={selected.id} cluster={selected} />
        </Card>
      ) : null}
      <ClusterForm open={editing !== undefined} cluster={editing ?? null} onClose={() => setEditing(undefined)}
        onSaved={(saved) => {
          message.success(t("Đã lưu cụm trường.", "Cluster saved."));
          void queryClient.invalidateQueries({ queryKey: unitKeys.clusters() });
          setSelectedId(saved.id);
          setEditing(undefined);
        }} />
    </>
  );
}
