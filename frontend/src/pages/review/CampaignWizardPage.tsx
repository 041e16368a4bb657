// Creating a campaign step by step: what and why, the outline, the deadline (Vietnam time) and late policy,
// the targets by type and level with a preview of the units, then publish or keep as a draft.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, DatePicker, Form, Input, Radio, Select, Space, Steps, Switch, Table } from "antd";
import type { Dayjs } from "dayjs";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { api, call } from "../../api/client";
import type { Campaign, CampaignCreate, TargetRead } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { fieldErrors, ProblemAlert } from "../../components/ProblemAlert";
import { EDUCATION_LEVELS, label } from "../../components/labels";
import { CAMPAIGN_KINDS } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime, fromVnWallClock } from "../../lib/deadline";
import { DEEP_LINKS } from "../../app/navigation";
import { LATE_POLICIES } from "./CampaignDetailPage";

interface Values {
  title: string;
  kind: CampaignCreate["kind"];
  school_year_id: string;
  legal_reference?: string;
  instructions?: string;
  outline_id?: string;
  opens_at: Dayjs;
  due_at: Dayjs;
  late_policy: CampaignCreate["late_policy"];
  two_level_review: boolean;
  require_signature?: boolean;
  unit_types: string[];
  education_levels: string[];
}

const STEP_FIELDS: (keyof Values)[][] = [
  ["title", "kind", "school_year_id", "legal_reference", "instructions"],
  ["outline_id"],
  ["opens_at", "due_at", "late_policy", "two_level_review", "require_signature"],
  ["unit_types", "education_levels"],
  [],
];

const vn = (value: Dayjs) => fromVnWallClock(value.format("YYYY-MM-DDTHH:mm"));

export function toCampaignBody(v: Values) {
  return {
    title: v.title.trim(),
    kind: v.kind,
    legal_reference: v.legal_reference?.trim() || null,
    instructions: v.instructions?.trim() || null,
    opens_at: vn(v.opens_at),
    due_at: vn(v.due_at),
    late_policy: v.late_policy,
    two_level_review: v.two_level_review,
    require_signature: !!v.require_signature,
    targets: { unit_types: v.unit_types, education_levels: v.education_levels, unit_ids: null },
  };
}

export default function CampaignWizardPage() {
  const t = useT();
  const { lang } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<Campaign | null>(null);
  const [targets, setTargets] = useState<TargetRead[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const years = useQuery({ queryKey: ["school-years"], queryFn: () => call(api.GET("/api/submissions/school-years")) });
  const outlines = useQuery({ queryKey: ["outlines"], queryFn: () => call(api.GET("/api/submissions/outlines")) });
  const errors = fieldErrors(error);

  // Defaults that arrive with the data: this school year, and the shared seed-004 outline.
  useEffect(() => {
    const today = new Date().toISOString().slice(0, 10);
    const list = years.data ?? [];
    const current = list.find((y) => y.starts_on <= today && today <= y.ends_on) ?? list[list.length - 1];
    if (current && !form.getFieldValue("school_year_id")) form.setFieldValue("school_year_id", current.id);
  }, [years.data, form]);
  useEffect(() => {
    const shared = outlines.data?.find((o) => o.owner_unit_id === null);
    if (shared && !form.getFieldValue("outline_id")) form.setFieldValue("outline_id", shared.id);
  }, [outlines.data, form]);

  /** Create the draft (or bring it up to date) and preview the units its rule selects. */
  const saveDraft = async (): Promise<Campaign> => {
    const v = form.getFieldsValue(true) as Values;
    const body = toCampaignBody(v);
    const saved = draft
      ? await call(api.PATCH("/api/submissions/campaigns/{campaign_id}", { params: { path: { campaign_id: draft.id } }, body: { ...body, outline_id: v.outline_id ?? null } }))
      : await call(api.POST("/api/submissions/campaigns", { body: { ...body, school_year_id: v.school_year_id, outline_id: v.outline_id ?? null } }));
    setDraft(saved);
    setTargets(await call(api.GET("/api/submissions/campaigns/{campaign_id}/targets/preview", { params: { path: { campaign_id: saved.id } } })));
    return saved;
  };

  const next = async () => {
    try {
      await form.validateFields(STEP_FIELDS[step]);
    } catch {
      return;
    }
    setError(null);
    if (step === 3) {
      setBusy(true);
      try {
        await saveDraft();
      } catch (e) {
        setError(e);
        setBusy(false);
        return;
      }
      setBusy(false);
    }
    setStep(step + 1);
  };

  const finish = async (publish: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const saved = await saveDraft();
      if (publish) await call(api.POST("/api/submissions/campaigns/{campaign_id}/publish", { params: { path: { campaign_id: saved.id } } }));
      await queryClient.invalidateQueries({ queryKey: ["campaigns"] });
      message.success(publish ? t("Đã ban hành đợt báo cáo.", "The campaign is published.") : t("Đã lưu bản nháp.", "Draft saved."));
      navigate(DEEP_LINKS.campaign(saved.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const steps = [
    t("Thông tin chung", "General"),
    t("Đề cương", "Outline"),
    t("Thời hạn", "Deadline"),
    t("Đối tượng", "Targets"),
    t("Ban hành", "Publish"),
  ];
  const values = form.getFieldsValue(true) as Values;

  return (
    <>
      <PageTitle title={t("Tạo đợt báo cáo", "New campaign")} />
      <Steps current={step} size="small" className="mb" items={steps.map((title) => ({ title }))} responsive />
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      <Card>
        <Form form={form} layout="vertical" requiredMark="optional" initialValues={{
          kind: "year_end_report", late_policy: "accept_late", two_level_review: false, unit_types: ["school", "center"], education_levels: [],
        }}>
          <div hidden={step !== 0}>
            <Form.Item name="title" label={t("Tiêu đề", "Title")} rules={[{ required: true, min: 3, message: t("Nhập tiêu đề (ít nhất 3 ký tự)", "Enter a title") }]} validateStatus={errors.title ? "error" : undefined} help={errors.title}>
              <Input placeholder={t("Ví dụ: Báo cáo tổng kết ứng dụng CNTT năm học 2025-2026", "e.g. Year-end IT report 2025-2026")} />
            </Form.Item>
            <Form.Item name="kind" label={t("Loại báo cáo", "Kind")} rules={[{ required: true }]}>
              <Select options={Object.entries(CAMPAIGN_KINDS).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
            </Form.Item>
            <Form.Item name="school_year_id" label={t("Năm học", "School year")} rules={[{ required: true, message: t("Chọn năm học", "Choose a school year") }]}>
              <Select loading={years.isPending} options={(years.data ?? []).map((y) => ({ value: y.id, label: y.name }))} />
            </Form.Item>
            <Form.Item name="legal_reference" label={t("Căn cứ (công văn)", "Legal reference")}>
              <Input placeholder={t("Ví dụ: Công văn 719/PGDĐT-TCCB ngày 02/6/2022", "e.g. Official letter 719/PGDĐT-TCCB")} />
            </Form.Item>
            <Form.Item name="instructions" label={t("Hướng dẫn cho các trường", "Instructions for schools")}>
              <Input.TextArea autoSize={{ minRows: 3 }} />
            </Form.Item>
          </div>
          <div hidden={step !== 1}>
            <Form.Item name="outline_id" label={t("Đề cương báo cáo (từ thư viện)", "Report outline (from the library)")}>
              <Radio.Group className="choice-list" options={(outlines.data ?? []).map((o) => ({ value: o.id, label: o.name }))} />
            </Form.Item>
            <Alert type="info" showIcon title={t("Đề cương được sao chép vào đợt báo cáo; sửa thư viện sau này không làm đổi đợt đã tạo.", "The outline is copied into the campaign; later library edits do not change it.")} />
          </div>
          <div hidden={step !== 2}>
            <Form.Item name="opens_at" label={t("Mở từ (giờ Việt Nam)", "Opens (Vietnam time)")} rules={[{ required: true, message: t("Chọn thời điểm mở", "Choose when it opens") }]} validateStatus={errors.opens_at ? "error" : undefined} help={errors.opens_at}>
              <DatePicker showTime={{ format: "HH:mm" }} format="DD/MM/YYYY HH:mm" style={{ width: 240 }} />
            </Form.Item>
            <Form.Item name="due_at" label={t("Hạn nộp (giờ Việt Nam)", "Deadline (Vietnam time)")} dependencies={["opens_at"]} validateStatus={errors.due_at ? "error" : undefined} help={errors.due_at}
              rules={[{ required: true, message: t("Chọn hạn nộp", "Choose the deadline") }, ({ getFieldValue }) => ({
                validator: (_, value: Dayjs | undefined) => !value || !getFieldValue("opens_at") || value.isAfter(getFieldValue("opens_at")) ? Promise.resolve()
                  : Promise.reject(new Error(t("Hạn nộp phải sau thời điểm mở", "The deadline must be after the opening"))),
              })]}>
              <DatePicker showTime={{ format: "HH:mm" }} format="DD/MM/YYYY HH:mm" style={{ width: 240 }} />
            </Form.Item>
            <Form.Item name="late_policy" label={t("Báo cáo nộp sau hạn", "Late reports")}>
              <Radio.Group className="choice-list" options={Object.entries(LATE_POLICIES).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
            </Form.Item>
            <Form.Item name="two_level_review" label={t("Thẩm định hai cấp (Phòng tiếp nhận trước, rồi chuyển lên Sở)", "Two-level review (the Phòng first, then the Sở)")} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="require_signature" label={t("Chỉ phê duyệt khi báo cáo có chữ ký số hợp lệ của Hiệu trưởng", "Approve only with the principal's valid digital signature")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </div>
          <div hidden={step !== 3}>
            <Form.Item name="unit_types" label={t("Loại đơn vị phải nộp", "Unit types")} rules={[{ required: true, type: "array", min: 1, message: t("Chọn ít nhất một loại", "Choose at least one") }]}>
              <Checkbox.Group options={[{ value: "school", label: t("Trường", "Schools") }, { value: "center", label: t("Trung tâm", "Centres") }]} />
            </Form.Item>
            <Form.Item name="education_levels" label={t("Cấp học (để trống: mọi cấp)", "Levels (none: every level)")}>
              <Checkbox.Group options={Object.entries(EDUCATION_LEVELS).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
            </Form.Item>
          </div>
        </Form>
        {step === 4 && (
          <>
            <Alert className="mb" type="info" showIcon title={t(`${targets?.length ?? 0} đơn vị sẽ phải nộp báo cáo, hạn ${formatDateTime(draft?.due_at)}.`, `${targets?.length ?? 0} units will have to submit, by ${formatDateTime(draft?.due_at)}.`)}
              description={values.title} />
            <Table<TargetRead> size="small" rowKey="unit_id" dataSource={targets ?? []} pagination={{ pageSize: 10 }} scroll={{ x: 520 }} columns={[
              { title: t("Mã", "Code"), dataIndex: "unit_code", width: 110 },
              { title: t("Đơn vị", "Unit"), dataIndex: "unit_name" },
            ]} />
          </>
        )}
        <Space wrap className="mt">
          {step > 0 && <Button onClick={() => setStep(step - 1)}>{t("Quay lại", "Back")}</Button>}
          {step < 4 && <Button type="primary" onClick={() => void next()} loading={busy}>{step === 3 ? t("Xem trước đơn vị", "Preview units") : t("Tiếp tục", "Next")}</Button>}
          {step === 4 && (
            <>
              <Button onClick={() => void finish(false)} loading={busy}>{t("Lưu bản nháp", "Save as draft")}</Button>
              <Button type="primary" onClick={() => void finish(true)} loading={busy} disabled={!targets?.length}>{t("Ban hành", "Publish")}</Button>
            </>
          )}
        </Space>
      </Card>
    </>
  );
}
