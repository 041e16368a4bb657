import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, DatePicker, Descriptions, Form, Input, Popconfirm, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { api, call } from "../../api/client";
import type { Reorganisation, ReorganisationCreate, ReorganisationKind, UnitRef } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { unitKeys } from "./api";
import { UnitPicker } from "./UnitPicker";

type AccessChange = NonNullable<Reorganisation["preview"]["access_changes"]>[number];

const KINDS: Record<ReorganisationKind, [string, string]> = {
  archive_office: ["Giải thể Phòng GDĐT (trường về Sở)", "Archive a district office"],
  merge_departments: ["Hợp nhất Sở GDĐT", "Merge departments"],
  move_school_commune: ["Chuyển trường sang xã/phường khác", "Move a school to another commune"],
  move_unit: ["Chuyển đơn vị quản lý", "Move a unit"],
  recode: ["Đổi mã đơn vị", "Give a unit a new code"],
};
const CHANGES: Record<AccessChange["change"], [string, string, string]> = {
  gains: ["Được thêm quyền", "Gains access", "green"],
  loses: ["Mất quyền", "Loses access", "red"],
  moves: ["Chuyển sang đơn vị mới", "Moves", "blue"],
  deactivated: ["Ngừng hoạt động", "Deactivated", "red"],
};
const STATUS: Record<Reorganisation["status"], [string, string]> = {
  pending: ["Chờ xác nhận", "Pending"], confirmed: ["Đã thực hiện", "Confirmed"], cancelled: ["Đã huỷ", "Cancelled"],
};

interface Draft {
  kind: ReorganisationKind;
  unit_id?: string | null;
  new_parent_id?: string | null;
  commune_id?: string | null;
  surviving_unit_id?: string | null;
  absorbed_unit_ids?: (string | null)[];
  new_code?: string;
  note?: string;
  effective_date?: Dayjs;
}

const refs = (units: UnitRef[] | undefined) => (units ?? []).map((u) => u.name).join("; ");

/** What a reorganisation will do: the units that move and the accounts that gain or lose access. */
function Preview({ reorganisation }: { reorganisation: Reorganisation }) {
  const t = useT();
  const { preview } = reorganisation;
  const moves = preview.moves ?? [];
  const communeChanges = preview.commune_changes ?? [];
  const codeChanges = preview.code_changes ?? [];
  const deactivated = preview.deactivated_units ?? [];
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Typography.Paragraph>{preview.summary}</Typography.Paragraph>
      {moves.length ? (
        <Table size="small" rowKey={(m) => m.unit.id} dataSource={moves} pagination={false} scroll={{ x: 600 }}
          title={() => t("Đơn vị chuyển", "Units that move")}
          columns={[
            { title: t("Đơn vị", "Unit"), key: "unit", render: (_, m) => `${m.unit.name} (${m.unit.code})` },
            { title: t("Đơn vị quản lý cũ", "Old parent"), key: "old", render: (_, m) => m.old_parent?.name ?? "" },
            { title: t("Đơn vị quản lý mới", "New parent"), key: "new", render: (_, m) => m.new_parent?.name ?? "" },
          ]} />
      ) : null}
      {communeChanges.length ? (
        <Table size="small" rowKey={(c) => c.unit.id} dataSource={communeChanges} pagination={false} scroll={{ x: 600 }}
          title={() => t("Đổi UBND xã/phường quản lý", "Commune changes")}
          columns={[
            { title: t("Trường", "School"), key: "unit", render: (_, c) => c.unit.name },
            { title: t("Xã/phường cũ", "Old commune"), key: "old", render: (_, c) => c.old_commune?.name ?? t("(chưa có)", "(none)") },
            { title: t("Xã/phường mới", "New commune"), key: "new", render: (_, c) => c.new_commune?.name ?? t("(không có)", "(none)") },
          ]} />
      ) : null}
      {codeChanges.length ? (
        <Descriptions size="small" bordered column={1} items={codeChanges.map((c) => ({
          key: c.unit.id, label: c.unit.name, children: `${c.old_code} → ${c.new_code}` }))} />
      ) : null}
      {deactivated.length ? (
        <Typography.Paragraph>{t("Ngừng hoạt động (vẫn xem được trong lịch sử): ", "Stop (kept in history): ")}{refs(deactivated)}</Typography.Paragraph>
      ) : null}
      <Table size="small" rowKey={(a) => `${a.user_id}-${a.change}`} dataSource={preview.access_changes} pagination={false} scroll={{ x: 720 }}
        title={() => t("Tài khoản được thêm hoặc mất quyền", "Accounts that gain or lose access")}
        locale={{ emptyText: t("Không tài khoản nào thay đổi quyền.", "No account changes access.") }}
        columns={[
          { title: t("Tài khoản", "Account"), key: "user", render: (_, a) => <>{a.full_name}<div className="muted">{a.email}</div></> },
          { title: t("Đơn vị", "Unit"), key: "unit", render: (_, a) => a.unit.name },
          { title: t("Thay đổi", "Change"), key: "change", render: (_, a) => <Tag color={CHANGES[a.change][2]}>{t(CHANGES[a.change][0], CHANGES[a.change][1])}{a.read_only ? t(" (chỉ xem)", " (read only)") : ""}</Tag> },
          { title: t("Với các đơn vị", "Units"), key: "units", render: (_, a) => refs(a.units) },
        ]} />
    </Space>
  );
}

export default function ReorganisationPage() {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Draft>();
  const kind = Form.useWatch("kind", form);
  const [current, setCurrent] = useState<Reorganisation | null>(null);
  const history = useQuery({ queryKey: unitKeys.reorganisations(), queryFn: () => call(api.GET("/api/identity/reorganisations", { params: { query: { limit: 20 } } })) });

  // A preview, a confirmation or a cancellation: each answers the reorganisation as it now stands.
  const step = useMutation({
    mutationFn: ({ work }: { work: () => Promise<Reorganisation>; done?: string }) => work(),
    onSuccess: (result, { done }) => {
      setCurrent(result);
      if (done) message.success(done);
      void queryClient.invalidateQueries({ queryKey: unitKeys.reorganisations() });
      void queryClient.invalidateQueries({ queryKey: unitKeys.lists() });
    },
  });
  const run = (work: () => Promise<Reorganisation>, done?: string) => step.mutate({ work, done });
  const busy = step.isPending;
  const error = step.error;
  const preview = (draft: Draft) => {
    const body: ReorganisationCreate = {
      kind: draft.kind, unit_id: draft.unit_id ?? null, new_parent_id: draft.new_parent_id ?? null, commune_id: draft.commune_id ?? null,
      surviving_unit_id: draft.surviving_unit_id ?? null, absorbed_unit_ids: (draft.absorbed_unit_ids ?? []).filter((id): id is string => Boolean(id)),
      new_code: draft.new_code || null, note: draft.note || null, effective_date: draft.effective_date ? draft.effective_date.format("YYYY-MM-DD") : null,
    };
    run(() => call(api.POST("/api/identity/reorganisations", { body })));
  };
  const act = (action: "confirm" | "cancel") => current && run(
    () => call(api.POST(`/api/identity/reorganisations/{reorganisation_id}/${action}`, { params: { path: { reorganisation_id: current.id } } })),
    action === "confirm" ? t("Đã thực hiện sắp xếp.", "Reorganisation applied.") : t("Đã huỷ, không có gì thay đổi.", "Cancelled; nothing changed."));

  return (
    <>
      <PageTitle title={t("Sắp xếp đơn vị", "Reorganise units")} />
      <Card title={t("1. Chọn việc cần làm", "1. What to do")} style={{ marginBottom: 16 }}>
        <Form form={form} layout="vertical" onFinish={preview} initialValues={{ kind: "move_school_commune", absorbed_unit_ids: [null] }} style={{ maxWidth: 640 }}>
          <Form.Item name="kind" label={t("Loại sắp xếp", "Kind")} rules={[{ required: true }]}>
            <Select options={Object.entries(KINDS).map(([value, pair]) => ({ value, label: t(pair[0], pair[1]) }))} onChange={() => setCurrent(null)} />
          </Form.Item>
          {kind === "merge_departments" ? (
            <>
              <Form.Item name="surviving_unit_id" label={t("Sở tiếp nhận", "Surviving department")} rules={[{ required: true, message: t("Chọn Sở tiếp nhận", "Choose one") }]}>
                <UnitPicker types={["department"]} />
              </Form.Item>
              <Form.Item name={["absorbed_unit_ids", 0]} label={t("Sở được hợp nhất", "Department merged in")} rules={[{ required: true, message: t("Chọn Sở được hợp nhất", "Choose one") }]}>
                <UnitPicker types={["department"]} />
              </Form.Item>
              <Form.Item name={["absorbed_unit_ids", 1]} label={t("Sở được hợp nhất thứ hai (nếu có)", "Second department (optional)")}>
                <UnitPicker types={["department"]} allowClear />
              </Form.Item>
            </>
          ) : (
            <Form.Item name="unit_id" label={kind === "archive_office" ? t("Phòng GDĐT", "District office") : t("Đơn vị", "Unit")}
              rules={[{ required: true, message: t("Chọn đơn vị", "Choose a unit") }]}>
              <UnitPicker types={kind === "archive_office" ? ["district_office"] : kind === "move_school_commune" ? ["school", "center"] : undefined} />
            </Form.Item>
          )}
          {kind === "move_school_commune" ? (
            <Form.Item name="commune_id" label={t("UBND xã/phường mới", "New commune")}>
              <UnitPicker types={["commune"]} allowClear placeholder={t("Gõ tên xã/phường (để trống: bỏ gắn)", "Type a commune")} />
            </Form.Item>
          ) : null}
          {kind === "move_unit" ? (
            <Form.Item name="new_parent_id" label={t("Đơn vị quản lý mới", "New parent")} rules={[{ required: true, message: t("Chọn đơn vị quản lý mới", "Choose one") }]}>
              <UnitPicker types={["ministry", "department", "district_office"]} />
            </Form.Item>
          ) : null}
          {kind === "recode" ? (
            <Form.Item name="new_code" label={t("Mã mới", "New code")} rules={[{ required: true, pattern: /^[A-Za-z0-9._-]{1,40}$/, message: t("Chữ không dấu, số và . _ -", "Letters, digits, . _ -") }]}>
              <Input maxLength={40} />
            </Form.Item>
          ) : null}
          <Form.Item name="effective_date" label={t("Ngày có hiệu lực (để trống: hôm nay)", "Effective date (blank: today)")}>
            <DatePicker format="DD/MM/YYYY" disabledDate={(d) => d.isAfter(dayjs())} />
          </Form.Item>
          <Form.Item name="note" label={t("Căn cứ (quyết định, công văn)", "Legal basis")}>
            <Input maxLength={255} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>{t("Xem trước", "Preview")}</Button>
        </Form>
      </Card>
      {error ? <ProblemAlert error={error} /> : null}
      {current ? (
        <Card title={t("2. Xem trước và xác nhận", "2. Preview and confirm")} style={{ marginBottom: 16 }}>
          <Space direction="vertical" style={{ width: "100%" }}>
            <div><Tag>{t(STATUS[current.status][0], STATUS[current.status][1])}</Tag></div>
            <Preview reorganisation={current} />
            {current.status === "pending" ? (
              <Space wrap>
                <Popconfirm title={t("Thực hiện sắp xếp này? Mọi thay đổi được ghi lịch sử.", "Apply it?")} okText={t("Thực hiện", "Apply")} cancelText={t("Không", "No")} onConfirm={() => act("confirm")}>
                  <Button type="primary" loading={busy}>{t("Xác nhận", "Confirm")}</Button>
                </Popconfirm>
                <Button onClick={() => act("cancel")} disabled={busy}>{t("Huỷ, không thay đổi gì", "Cancel")}</Button>
              </Space>) : null}
          </Space>
        </Card>
      ) : null}
      <Card title={t("Các lần sắp xếp gần đây", "Recent reorganisations")}>
        <Table<Reorganisation> size="small" rowKey="id" loading={history.isFetching} dataSource={history.data?.items ?? []} pagination={false} scroll={{ x: 640 }}
          onRow={(r) => ({ onClick: () => setCurrent(r) })}
          columns={[
            { title: t("Tạo lúc", "Created"), dataIndex: "created_at", width: 150, render: (v: string) => formatDateTime(v) },
            { title: t("Loại", "Kind"), dataIndex: "kind", render: (k: ReorganisationKind) => t(KINDS[k][0], KINDS[k][1]) },
            { title: t("Hiệu lực", "Effective"), dataIndex: "effective_date", width: 110, render: (v: string) => dayjs(v).format("DD/MM/YYYY") },
            { title: t("Trạng thái", "Status"), dataIndex: "status", width: 130, render: (s: Reorganisation["status"]) => <Tag>{t(STATUS[s][0], STATUS[s][1])}</Tag> },
          ]} />
      </Card>
    </>
  );
}
