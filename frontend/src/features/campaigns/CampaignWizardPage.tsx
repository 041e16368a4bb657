// Creating a campaign step by step (or from a copy of a previous one): what and why, the outline with a
// preview, the rubric, the deadline (Vietnam time) with the late policy and its cut-off, the targets by type
// and level, narrowed to some communes (UBND xã/phường) or clusters, with single units included or excluded,
// then the server's list of the units the saved rule selects and publish after a confirmation naming how many
// will be notified, or keep as a draft (a draft can be deleted).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, DatePicker, Descriptions, Form, Input, Popconfirm, Radio, Select, Space, Steps, Switch } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { allItems, api, call, PAGE_MAX } from "../../api/client";
import type { Campaign, CampaignCreate, TargetRead, UnitType } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { fieldErrors, ProblemAlert } from "../../components/ProblemAlert";
import { EDUCATION_LEVELS, label } from "../../components/labels";
import { CAMPAIGN_KINDS } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime, fromVnWallClock, toVnWallClock } from "../../lib/deadline";
import { DEEP_LINKS } from "../../app/navigation";
import { useRubrics } from "../rubrics/api";
import { campaignKeys } from "./api";
import { LATE_POLICIES } from "./CampaignDetailPage";
import { PresetCard } from "./PresetCard";
import { ClusterSelect, CommuneSelect, CopyFromPrevious, OutlinePreview, type Picked, RubricChoice, TargetPicker, TargetSummary } from "./wizardParts";

interface Values {
  title: string;
  kind: CampaignCreate["kind"];
  school_year_id: string;
  legal_reference?: string;
  instructions?: string;
  outline_id?: string;
  rubric_id?: string | null;
  opens_at: Dayjs;
  due_at: Dayjs;
  late_policy: CampaignCreate["late_policy"];
  late_until?: Dayjs | null;
  two_level_review: boolean;
  require_signature?: boolean;
  unit_types: UnitType[];
  education_levels: string[];
  commune_ids?: string[];
  cluster_ids?: string[];
}

/** What the admin changed in the rule's selection: an explicit list once units were added, and the units left out. */
export interface Chosen {
  unit_ids: string[] | null;
  exclude_unit_ids: string[];
}

const AS_THE_RULE_SAYS: Chosen = { unit_ids: null, exclude_unit_ids: [] };
const RULE_FIELDS = ["unit_types", "education_levels", "commune_ids", "cluster_ids"] as const;

const TARGETS_STEP = 4;
const LAST_STEP = 5;
const STEP_FIELDS: (keyof Values)[][] = [
  ["title", "kind", "school_year_id", "legal_reference", "instructions"],
  ["outline_id"],
  ["rubric_id"],
  ["opens_at", "due_at", "late_policy", "late_until", "two_level_review", "require_signature"],
  [...RULE_FIELDS],
  [],
];

const vn = (value: Dayjs) => fromVnWallClock(value.format("YYYY-MM-DDTHH:mm"));
const fromApi = (value: string | null | undefined) => (value ? dayjs(toVnWallClock(value)) : undefined);

/** The rule (types, levels, communes, clusters) less the units left out; an explicit list (less the same units)
 * once the admin added units the rule does not select. */
export function targetRule(v: Pick<Values, (typeof RULE_FIELDS)[number]>, chosen: Chosen = AS_THE_RULE_SAYS) {
  return {
    unit_types: v.unit_types, education_levels: v.education_levels, commune_ids: v.commune_ids ?? [], cluster_ids: v.cluster_ids ?? [],
    unit_ids: chosen.unit_ids, exclude_unit_ids: chosen.exclude_unit_ids,
  };
}

export function toCampaignBody(v: Values, chosen: Chosen = AS_THE_RULE_SAYS) {
  return {
    title: v.title.trim(),
    kind: v.kind,
    legal_reference: v.legal_reference?.trim() || null,
    instructions: v.instructions?.trim() || null,
    opens_at: vn(v.opens_at),
    due_at: vn(v.due_at),
    late_policy: v.late_policy,
    late_until: v.late_policy === "accept_late" && v.late_until ? vn(v.late_until) : null,
    rubric_id: v.rubric_id ?? null,
    two_level_review: v.two_level_review,
    require_signature: !!v.require_signature,
    targets: targetRule(v, chosen),
  };
}

/** The form's values from a saved campaign (a copy of a previous one). */
function valuesOf(c: Campaign): Partial<Values> {
  const rule = c.target_rule as { unit_types?: UnitType[]; education_levels?: string[]; commune_ids?: string[]; cluster_ids?: string[] };
  return {
    title: c.title, kind: c.kind, school_year_id: c.school_year_id, legal_reference: c.legal_reference ?? undefined,
    instructions: c.instructions ?? undefined, outline_id: c.outline_id ?? undefined, rubric_id: c.rubric_id,
    opens_at: fromApi(c.opens_at), due_at: fromApi(c.due_at), late_policy: c.late_policy, late_until: fromApi(c.late_until) ?? null,
    two_level_review: c.two_level_review, require_signature: c.require_signature, unit_types: rule.unit_types ?? ["school", "center"], education_levels: rule.education_levels ?? [],
    commune_ids: rule.commune_ids ?? [], cluster_ids: rule.cluster_ids ?? [],
  };
}

export default function CampaignWizardPage() {
  const t = useT();
  const { lang } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<Campaign | null>(null);
  const [matched, setMatched] = useState<TargetRead[] | null>(null);
  const [resolved, setResolved] = useState<TargetRead[] | null>(null);
  const [extra, setExtra] = useState<Picked[]>([]);
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  // Every write of the wizard (save the draft, preview, copy, publish, discard) is one step at a time: its busy
  // state and its refusal are this mutation's.
  const writing = useMutation({ mutationFn: (work: () => Promise<void>) => work() });
  const busy = writing.isPending;
  const error = writing.error;
  const years = useQuery({ queryKey: campaignKeys.schoolYears(), queryFn: () => allItems((offset) => api.GET("/api/submissions/school-years", { params: { query: { limit: PAGE_MAX, offset } } })) });
  const outlines = useQuery({ queryKey: campaignKeys.outlines(), queryFn: () => allItems((offset) => api.GET("/api/submissions/outlines", { params: { query: { limit: PAGE_MAX, offset } } })) });
  const errors = fieldErrors(error);
  const latePolicy = Form.useWatch("late_policy", form);
  const outlineId = Form.useWatch("outline_id", form);
  const schoolYearId = Form.useWatch("school_year_id", form);

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

  /** The units that will have to submit: the rule's matches and added units, less the excluded ones. */
  const chosen = (): Chosen => {
    if (matched === null) return AS_THE_RULE_SAYS;
    const added = extra.filter((u) => !matched.some((m) => m.unit_id === u.unit_id));
    const listed = [...matched, ...added].map((u) => u.unit_id);
    return { unit_ids: added.length ? listed : null, exclude_unit_ids: listed.filter((id) => excluded.has(id)) };
  };
  const picked = matched === null ? 0 : [...matched, ...extra.filter((u) => !matched.some((m) => m.unit_id === u.unit_id))]
    .filter((u) => !excluded.has(u.unit_id)).length;
  // On the last step the count is the server's answer for the saved rule, which publication freezes.
  const chosenCount = resolved?.length ?? picked;

  const previewOf = (campaignId: string) =>
    allItems((offset) => api.GET("/api/submissions/campaigns/{campaign_id}/targets/preview", { params: { path: { campaign_id: campaignId }, query: { limit: PAGE_MAX, offset } } }));

  /** Create the draft (or bring it up to date); with `preview`, ask which units its rule selects now (before
   * exclusions, so that a unit left out can be ticked again). */
  const saveDraft = async ({ preview = false } = {}): Promise<Campaign> => {
    const v = form.getFieldsValue(true) as Values;
    const body = toCampaignBody(v, preview ? AS_THE_RULE_SAYS : chosen());
    const saved = draft
      ? await call(api.PATCH("/api/submissions/campaigns/{campaign_id}", { params: { path: { campaign_id: draft.id } }, body: { ...body, outline_id: v.outline_id ?? null } }))
      : await call(api.POST("/api/submissions/campaigns", { body: { ...body, school_year_id: v.school_year_id, outline_id: v.outline_id ?? null } }));
    setDraft(saved);
    if (preview) {
      const units = await previewOf(saved.id);
      setMatched(units);
      setExcluded((s) => new Set([...s].filter((id) => units.some((u) => u.unit_id === id))));
    }
    return saved;
  };

  const run = (work: () => Promise<void>) => writing.mutateAsync(work).catch(() => undefined);

  const next = async () => {
    try {
      await form.validateFields(STEP_FIELDS[step]);
    } catch {
      return;
    }
    writing.reset();
    if (step === TARGETS_STEP) {
      // The list as chosen (rule or explicit units) is saved before the summary shows it.
      await run(async () => {
        const saved = await saveDraft({ preview: matched === null });
        if (matched !== null) {
          setResolved(await previewOf(saved.id));
          setStep(LAST_STEP);
        }
      });
      return;
    }
    setStep(step + 1);
  };

  const previewTargets = () => run(async () => {
    await form.validateFields(STEP_FIELDS[TARGETS_STEP]);
    await saveDraft({ preview: true });
  });

  const copyFrom = (sourceId: string) => run(async () => {
    const copy = await call(api.POST("/api/submissions/campaigns/{campaign_id}/copy", { params: { path: { campaign_id: sourceId } }, body: {} }));
    setDraft(copy);
    form.setFieldsValue(valuesOf(copy));
    setExcluded(new Set((copy.target_rule as { exclude_unit_ids?: string[] }).exclude_unit_ids ?? []));
    message.success(t(`Đã sao chép thành bản nháp mới, hạn nộp ${formatDateTime(copy.due_at)}.`, `Copied into a new draft due ${formatDateTime(copy.due_at)}.`));
  });

  const finish = (publish: boolean) => run(async () => {
    const saved = await saveDraft();
    if (publish) await call(api.POST("/api/submissions/campaigns/{campaign_id}/publish", { params: { path: { campaign_id: saved.id } } }));
    await queryClient.invalidateQueries({ queryKey: campaignKeys.lists() });
    message.success(publish ? t(`Đã ban hành đợt báo cáo cho ${chosenCount} đơn vị.`, `Published to ${chosenCount} units.`) : t("Đã lưu bản nháp.", "Draft saved."));
    navigate(DEEP_LINKS.campaign(saved.id));
  });

  const confirmPublish = () => {
    modal.confirm({
      title: t(`Ban hành và thông báo cho ${chosenCount} đơn vị?`, `Publish and notify ${chosenCount} units?`),
      content: t(`${chosenCount} đơn vị sẽ nhận thông báo ngay và phải nộp báo cáo trước ${formatDateTime(draft?.due_at)}. Sau khi ban hành không xoá được đợt báo cáo; danh sách đơn vị vẫn thêm, bớt được.`,
        `${chosenCount} units are notified now and must submit by ${formatDateTime(draft?.due_at)}. A published campaign cannot be deleted; units can still be added or withdrawn.`),
      okText: t("Ban hành và thông báo", "Publish and notify"),
      cancelText: t("Quay lại", "Back"),
      onOk: () => finish(true),
    });
  };

  const discard = () => run(async () => {
    if (draft) await call(api.DELETE("/api/submissions/campaigns/{campaign_id}", { params: { path: { campaign_id: draft.id } } }));
    await queryClient.invalidateQueries({ queryKey: campaignKeys.lists() });
    message.success(t("Đã xoá bản nháp.", "Draft deleted."));
    navigate("/campaigns");
  });

  const steps = [
    t("Thông tin chung", "General"),
    t("Đề cương", "Outline"),
    t("Bộ tiêu chí", "Rubric"),
    t("Thời hạn", "Deadline"),
    t("Đối tượng", "Targets"),
    t("Ban hành", "Publish"),
  ];
  const values = form.getFieldsValue(true) as Values;
  const picker = { style: { width: "100%", maxWidth: 260 }, showTime: { format: "HH:mm" }, format: "DD/MM/YYYY HH:mm" };

  return (
    <>
      <PageTitle title={t("Tạo đợt báo cáo", "New campaign")} />
      <Steps current={step} size="small" className="mb wizard-steps" items={steps.map((title) => ({ title }))} responsive={false} />
      <p className="wizard-step-line" aria-live="polite">{t(`Bước ${step + 1}/${steps.length}: ${steps[step]}`, `Step ${step + 1}/${steps.length}: ${steps[step]}`)}</p>
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      {step === 0 && !draft && <CopyFromPrevious onCopy={(id) => void copyFrom(id)} busy={busy} />}
      {step === 0 && !draft && <PresetCard schoolYearName={(years.data ?? []).find((y) => y.id === schoolYearId)?.name}
        onApply={(preset) => form.setFieldsValue({
          title: preset.title, kind: preset.kind as Values["kind"], legal_reference: preset.legal_reference, rubric_id: preset.rubric_id,
          due_at: fromApi(preset.self_assessment_due_at),
        })} />}
      <Card>
        <Form form={form} layout="vertical" requiredMark="optional" onValuesChange={(changed) => {
          if (RULE_FIELDS.some((name) => name in changed)) setMatched(null);
        }} initialValues={{
          kind: "year_end_report", late_policy: "accept_late", two_level_review: false, unit_types: ["school", "center"], education_levels: [], rubric_id: null,
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
            {step === 1 && <OutlinePreview outlineId={outlineId} />}
          </div>
          <div hidden={step !== 2}>
            <Form.Item name="rubric_id" label={t("Bộ tiêu chí để trường tự chấm và cấp trên chấm điểm", "Rubric the schools self-score against")}>
              <RubricChoice />
            </Form.Item>
          </div>
          <div hidden={step !== 3}>
            <Form.Item name="opens_at" label={t("Mở từ (giờ Việt Nam)", "Opens (Vietnam time)")} rules={[{ required: true, message: t("Chọn thời điểm mở", "Choose when it opens") }]} validateStatus={errors.opens_at ? "error" : undefined} help={errors.opens_at}>
              <DatePicker {...picker} />
            </Form.Item>
            <Form.Item name="due_at" label={t("Hạn nộp (giờ Việt Nam)", "Deadline (Vietnam time)")} dependencies={["opens_at"]} validateStatus={errors.due_at ? "error" : undefined} help={errors.due_at}
              rules={[{ required: true, message: t("Chọn hạn nộp", "Choose the deadline") }, ({ getFieldValue }) => ({
                validator: (_, value: Dayjs | undefined) => !value || !getFieldValue("opens_at") || value.isAfter(getFieldValue("opens_at")) ? Promise.resolve()
                  : Promise.reject(new Error(t("Hạn nộp phải sau thời điểm mở", "The deadline must be after the opening"))),
              })]}>
              <DatePicker {...picker} />
            </Form.Item>
            <Form.Item name="late_policy" label={t("Báo cáo nộp sau hạn", "Late reports")}>
              <Radio.Group className="choice-list" options={Object.entries(LATE_POLICIES).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
            </Form.Item>
            {latePolicy === "accept_late" && (
              <Form.Item name="late_until" label={t("Nhận báo cáo muộn đến (giờ Việt Nam; để trống: đến khi đóng đợt)", "Late reports accepted until (empty: until closed)")}
                dependencies={["due_at"]} validateStatus={errors.late_until ? "error" : undefined} help={errors.late_until}
                rules={[({ getFieldValue }) => ({
                  validator: (_, value: Dayjs | null | undefined) => !value || !getFieldValue("due_at") || value.isAfter(getFieldValue("due_at")) ? Promise.resolve()
                    : Promise.reject(new Error(t("Hạn chót nhận báo cáo muộn phải sau hạn nộp", "The cut-off must be after the deadline"))),
                })]}>
                <DatePicker {...picker} />
              </Form.Item>
            )}
            <Form.Item name="two_level_review" label={t("Thẩm định hai cấp (đơn vị quản lý trực tiếp tiếp nhận trước, rồi chuyển lên đơn vị ban hành)", "Two-level review (the managing unit first, then the issuer)")} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="require_signature" label={t("Chỉ phê duyệt khi báo cáo có chữ ký số hợp lệ của Hiệu trưởng", "Approve only with the principal's valid digital signature")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </div>
          <div hidden={step !== TARGETS_STEP}>
            <Form.Item name="unit_types" className="no-optional-mark" label={t("Loại đơn vị phải nộp", "Unit types")} rules={[{
              // A validator, not `required`: antd would put aria-required on the group, which ARIA does not allow there.
              validator: (_, value: string[] | undefined) => value?.length ? Promise.resolve() : Promise.reject(new Error(t("Chọn ít nhất một loại", "Choose at least one"))),
            }]}>
              <Checkbox.Group className="choice-list" options={[{ value: "school", label: t("Trường", "Schools") }, { value: "center", label: t("Trung tâm", "Centres") }]} />
            </Form.Item>
            <Form.Item name="education_levels" label={t("Cấp học (để trống: mọi cấp)", "Levels (none: every level)")}>
              <Checkbox.Group className="choice-list" options={Object.entries(EDUCATION_LEVELS).map(([value, pair]) => ({ value, label: label(pair, lang) }))} />
            </Form.Item>
            <Form.Item name="commune_ids" label={t("Chỉ trường thuộc UBND xã/phường", "Only schools of these communes")}>
              <CommuneSelect />
            </Form.Item>
            <Form.Item name="cluster_ids" label={t("Chỉ trường thuộc cụm trường", "Only schools of these clusters")}>
              <ClusterSelect />
            </Form.Item>
            {matched === null
              ? <Button onClick={() => void previewTargets()} loading={busy}>{t("Xem trước đơn vị", "Preview units")}</Button>
              : <TargetPicker matched={matched} extra={extra} excluded={excluded} dueAt={draft?.due_at}
                  onExclude={(id, out) => setExcluded((s) => { const n = new Set(s); if (out) n.add(id); else n.delete(id); return n; })}
                  onAdd={(u) => { setExtra((list) => list.some((x) => x.unit_id === u.unit_id) ? list : [...list, u]); setExcluded((s) => { const n = new Set(s); n.delete(u.unit_id); return n; }); }} />}
          </div>
        </Form>
        {step === LAST_STEP && (
          <>
            <TargetSummary targets={resolved ?? []} dueAt={draft?.due_at} />
            <Descriptions size="small" bordered column={1} className="mb" items={[
              { key: "title", label: t("Tiêu đề", "Title"), children: values.title },
              { key: "outline", label: t("Đề cương", "Outline"), children: outlines.data?.find((o) => o.id === values.outline_id)?.name ?? t("Không có", "None") },
              { key: "rubric", label: t("Bộ tiêu chí", "Rubric"), children: <RubricName id={values.rubric_id} /> },
              { key: "opens", label: t("Mở từ", "Opens"), children: formatDateTime(draft?.opens_at) },
              { key: "due", label: t("Hạn nộp", "Deadline"), children: formatDateTime(draft?.due_at) },
              { key: "late", label: t("Nộp muộn", "Late reports"), children: values.late_policy === "accept_late" && draft?.late_until
                ? t(`Nhận đến ${formatDateTime(draft.late_until)}`, `Accepted until ${formatDateTime(draft.late_until)}`) : label(LATE_POLICIES[values.late_policy ?? "accept_late"], lang) },
            ]} />
          </>
        )}
        <Space wrap className="mt wizard-actions">
          {step > 0 && <Button onClick={() => { if (step === LAST_STEP) setResolved(null); setStep(step - 1); }}>{t("Quay lại", "Back")}</Button>}
          {step < LAST_STEP && (step !== TARGETS_STEP || matched !== null) && <Button type="primary" onClick={() => void next()} loading={busy}>{t("Tiếp tục", "Next")}</Button>}
          {(draft || step === LAST_STEP) && <Button onClick={() => void finish(false)} loading={busy}>{t("Lưu bản nháp", "Save as draft")}</Button>}
          {step === LAST_STEP && <Button type="primary" onClick={confirmPublish} loading={busy} disabled={!chosenCount}>{t("Ban hành", "Publish")}</Button>}
          {draft && draft.status === "draft" && (
            <Popconfirm title={t("Xoá bản nháp này? Chưa đơn vị nào được thông báo.", "Delete this draft? No unit has been told about it.")}
              okText={t("Xoá", "Delete")} cancelText={t("Huỷ", "Cancel")} okButtonProps={{ danger: true }} onConfirm={() => void discard()}>
              <Button danger>{t("Xoá bản nháp", "Delete draft")}</Button>
            </Popconfirm>
          )}
        </Space>
      </Card>
    </>
  );
}

function RubricName({ id }: { id?: string | null }) {
  const t = useT();
  const rubrics = useRubrics({ enabled: Boolean(id) });
  if (!id) return <>{t("Không chấm điểm", "No scoring")}</>;
  const rubric = rubrics.data?.find((r) => r.id === id);
  return <>{rubric ? `${rubric.title} (${t("phiên bản", "version")} ${rubric.version})` : "…"}</>;
}
