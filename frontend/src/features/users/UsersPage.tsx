import { ImportOutlined, UserAddOutlined } from "@ant-design/icons";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Modal, Select, Switch, Table, Tag } from "antd";
import { useState } from "react";
import { api, call, download } from "../../api/client";
import type { IdentityComponents } from "../../api/generated";
import type { User } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { ROLE_LABELS, type Role } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { fieldErrors, ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { fileBody, ImportDialog, rowImport } from "../../components/ImportDialog";
import { UnitPicker } from "../units/UnitPicker";
import { userKeys } from "./api";
import { CommuneGrantsCard } from "./CommuneGrantsCard";

const PAGE = 20;

function CreateUser({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const { lang } = useLang();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm();
  const create = useMutation({
    mutationFn: (values: IdentityComponents["schemas"]["UserCreate"]) => call(api.POST("/api/identity/users", { body: values })),
    onSuccess: async () => {
      message.success(t("Đã tạo tài khoản.", "Account created."));
      await queryClient.invalidateQueries({ queryKey: userKeys.lists() });
      onClose();
    },
  });
  const error = create.error;
  const errors = fieldErrors(error);
  return (
    <Modal open={open} title={t("Thêm người dùng", "Add a user")} okText={t("Tạo tài khoản", "Create")} cancelText={t("Huỷ", "Cancel")} confirmLoading={create.isPending}
      onCancel={onClose} onOk={() => form.submit()} destroyOnHidden>
      {error ? <div className="mb"><ProblemAlert error={error} showErrors={false} /></div> : null}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ unit_id: me.unit_id, send_invite: true, roles: [] }} onFinish={(values) => create.mutate(values)}>
        <Form.Item name="full_name" label={t("Họ và tên", "Full name")} rules={[{ required: true, min: 2 }]} validateStatus={errors.full_name ? "error" : undefined} help={errors.full_name}><Input /></Form.Item>
        <Form.Item name="email" label={t("Thư điện tử (tên đăng nhập)", "E-mail (login)")} rules={[{ required: true, type: "email" }]} validateStatus={errors.email ? "error" : undefined} help={errors.email}><Input type="email" /></Form.Item>
        <Form.Item name="phone" label={t("Điện thoại", "Phone")} validateStatus={errors.phone ? "error" : undefined} help={errors.phone}><Input inputMode="tel" /></Form.Item>
        <Form.Item name="unit_id" label={t("Đơn vị", "Unit")} rules={[{ required: true }]} validateStatus={errors.unit_id ? "error" : undefined} help={errors.unit_id}><UnitPicker /></Form.Item>
        <Form.Item name="roles" label={t("Vai trò", "Roles")} rules={[{ required: true, type: "array", min: 1, message: t("Chọn ít nhất một vai trò", "Choose at least one role") }]} validateStatus={errors.roles ? "error" : undefined} help={errors.roles}>
          <Select mode="multiple" options={(Object.keys(ROLE_LABELS) as Role[]).filter((r) => r !== "system_admin").map((r) => ({ value: r, label: ROLE_LABELS[r][lang === "en" ? 1 : 0] }))} />
        </Form.Item>
        <Form.Item name="send_invite" label={t("Gửi e-mail mời đặt mật khẩu", "Send an invitation e-mail")} valuePropName="checked"><Switch /></Form.Item>
      </Form>
    </Modal>
  );
}

/** The Sở's (and the Bộ's) admins grant commune officials more than reading (issue 20). */
const GRANTING_UNITS = ["department", "ministry"];

export default function UsersPage() {
  const t = useT();
  const { lang } = useLang();
  const me = useMe();
  const grants = me.roles.includes("system_admin") || (me.roles.includes("authority_admin") && GRANTING_UNITS.includes(me.unit_type));
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const query = useQuery({
    queryKey: userKeys.list(q, page),
    queryFn: () => call(api.GET("/api/identity/users", { params: { query: { q: q || undefined, limit: PAGE, offset: (page - 1) * PAGE } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle title={t("Người dùng", "Users")} extra={
        <>
          <Button icon={<ImportOutlined />} onClick={() => setImporting(true)}>{t("Nhập từ Excel", "Import from Excel")}</Button>
          <Button type="primary" icon={<UserAddOutlined />} onClick={() => setCreating(true)}>{t("Thêm người dùng", "Add a user")}</Button>
        </>
      } />
      <div className="filters">
        <Input.Search allowClear placeholder={t("Tìm theo tên hoặc e-mail (không cần dấu)", "Search by name or e-mail")} aria-label={t("Tìm người dùng", "Search users")}
          onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 360 }} />
      </div>
      {query.error ? <ProblemAlert error={query.error} /> : null}
      <Table<User> rowKey="id" loading={query.isFetching} dataSource={query.data?.items ?? []} scroll={{ x: 760 }}
        pagination={{ current: page, pageSize: PAGE, total: query.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t("Họ và tên", "Name"), dataIndex: "full_name" },
          { title: t("Thư điện tử", "E-mail"), dataIndex: "email" },
          { title: t("Vai trò", "Roles"), dataIndex: "roles", render: (roles: Role[]) => roles.map((r) => <Tag key={r}>{ROLE_LABELS[r][lang === "en" ? 1 : 0]}</Tag>) },
          { title: t("Đăng nhập gần nhất", "Last sign-in"), dataIndex: "last_login_at", width: 160, render: (v: string | null) => formatDateTime(v) || "—" },
          { title: t("Trạng thái", "State"), dataIndex: "active", width: 110, render: (a: boolean, u) => !a ? <Tag>{t("Đã khoá", "Disabled")}</Tag> : u.has_password ? <Tag color="green">{t("Hoạt động", "Active")}</Tag> : <Tag color="gold">{t("Chờ đặt mật khẩu", "Invited")}</Tag> },
        ]} />
      {grants ? <CommuneGrantsCard /> : null}
      <CreateUser open={creating} onClose={() => setCreating(false)} />
      <ImportDialog open={importing} onClose={() => setImporting(false)} title={t("Nhập người dùng từ tệp Excel", "Import users from Excel")}
        help={t("Cột bắt buộc: E-mail, Họ và tên, Mã đơn vị, Vai trò (Hiệu trưởng, Cán bộ CNTT, Chuyên viên, Quản trị, Người xem); thêm Điện thoại. Tài khoản mới nhận e-mail mời đặt mật khẩu.",
          "Required columns: e-mail, full name, unit code, role; optional phone. New accounts get an invitation e-mail.")}
        {...rowImport(t)}
        run={(file, o) => call(api.POST("/api/identity/users/import", { params: { query: { dry_run: o.dryRun, mode: o.validOnly ? "valid_only" : "all_or_nothing" } }, ...fileBody(file) }))}
        template={() => download(api.GET("/api/identity/users/import/template", { parseAs: "blob" }), "mau-nhap-tai-khoan.xlsx")}
        onImported={() => void queryClient.invalidateQueries({ queryKey: userKeys.lists() })} />
    </>
  );
}
