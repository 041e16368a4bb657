// A campaign as its issuer and reviewers see it: status board, details, targets; publish, close, reopen.
import { useQuery } from "@tanstack/react-query";
import { TrophyOutlined } from "@ant-design/icons";
import { App, Button, Descriptions, Popconfirm, Space, Table, Tabs, Tag } from "antd";
import { useNavigate } from "react-router";
import { allItems, api, PAGE_MAX } from "../../api/client";
import type { Campaign, TargetRead } from "../../api/types";
import { PageLoading } from "../../components/PageLoading";
import { useMe } from "../auth/AuthProvider";
import { ADMIN_ROLES, hasAny } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { EDUCATION_LEVELS, label, UNIT_TYPES } from "../../components/labels";
import { CAMPAIGN_KINDS, CampaignStatusTag, DeadlineTag } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { walkSections } from "../../lib/outline";
import { ErrorScreen } from "../../components/ErrorPages";
import { StatusBoard } from "../review/StatusBoard";
import { campaignKeys, useCampaign, useCampaignTransition, useDeleteDraft } from "./api";

export const LATE_POLICIES: Record<Campaign["late_policy"], [string, string]> = {
  accept_late: ["Nhận báo cáo muộn (ghi rõ muộn bao lâu)", "Accept late reports (flagged with how late)"],
  hard_cutoff: ["Không nhận sau hạn (trừ đơn vị được gia hạn)", "Refuse after the deadline (unless extended)"],
};

function Targets({ campaign }: { campaign: Campaign }) {
  const t = useT();
  const { lang } = useLang();
  const draft = campaign.status === "draft";
  const query = useQuery({
    queryKey: campaignKeys.targets(campaign.id, campaign.version),
    queryFn: async () => draft
      ? allItems((offset) => api.GET("/api/submissions/campaigns/{campaign_id}/targets/preview", { params: { path: { campaign_id: campaign.id }, query: { limit: PAGE_MAX, offset } } }))
      : allItems((offset) => api.GET("/api/submissions/campaigns/{campaign_id}/targets", { params: { path: { campaign_id: campaign.id }, query: { limit: PAGE_MAX, offset } } })),
  });
  if (query.error) return <ProblemAlert error={query.error} />;
  return (
    <>
      {draft && <p className="muted">{t("Xem trước: các đơn vị sẽ phải nộp nếu ban hành bây giờ.", "Preview: the units that would have to submit if published now.")}</p>}
      <Table<TargetRead> size="small" rowKey="unit_id" loading={query.isPending} dataSource={query.data ?? []} pagination={{ pageSize: 25 }} scroll={{ x: 640 }}
        title={() => `${query.data?.length ?? 0} ${t("đơn vị", "units")}`}
        columns={[
          { title: t("Mã", "Code"), dataIndex: "unit_code", width: 110 },
          { title: t("Đơn vị", "Unit"), dataIndex: "unit_name" },
          { title: t("Cấp học", "Levels"), dataIndex: "education_levels", width: 200, render: (levels: string[]) => levels.map((l) => <Tag key={l}>{label(EDUCATION_LEVELS[l as keyof typeof EDUCATION_LEVELS], lang) || l}</Tag>) },
          { title: t("Gia hạn đến", "Extended to"), dataIndex: "extension_due_at", width: 150, render: (v: string | null) => formatDateTime(v) || "—" },
        ]} />
    </>
  );
}

function Details({ campaign }: { campaign: Campaign }) {
  const t = useT();
  const { lang } = useLang();
  const rule = campaign.target_rule as { unit_types?: string[]; education_levels?: string[]; unit_ids?: string[] | null };
  return (
    <Descriptions bordered size="small" column={1} items={[
      { key: "kind", label: t("Loại", "Kind"), children: label(CAMPAIGN_KINDS[campaign.kind], lang) },
      { key: "issuer", label: t("Đơn vị ban hành", "Issuer"), children: campaign.issuer_name },
      { key: "legal", label: t("Căn cứ", "Reference"), children: campaign.legal_reference ?? "—" },
      { key: "opens", label: t("Mở từ", "Opens"), children: formatDateTime(campaign.opens_at) },
      { key: "due", label: t("Hạn nộp", "Deadline"), children: formatDateTime(campaign.due_at) },
      { key: "late", label: t("Nộp muộn", "Late reports"), children: campaign.late_policy === "accept_late" && campaign.late_until
        ? t(`Nhận báo cáo muộn đến ${formatDateTime(campaign.late_until)}`, `Late reports accepted until ${formatDateTime(campaign.late_until)}`)
        : label(LATE_POLICIES[campaign.late_policy], lang) },
      { key: "two", label: t("Thẩm định hai cấp", "Two-level review"), children: campaign.two_level_review ? t("Có (đơn vị quản lý trực tiếp tiếp nhận trước)", "Yes (the managing unit first)") : t("Không", "No") },
      { key: "signature", label: t("Yêu cầu ký số", "Signature required"), children: campaign.require_signature ? t("Có (phê duyệt cần chữ ký số hợp lệ)", "Yes (approval needs a valid signature)") : t("Không", "No") },
      { key: "targets", label: t("Đối tượng", "Targets"), children: rule.unit_ids ? `${rule.unit_ids.length} ${t("đơn vị chọn cụ thể", "units chosen")}` :
        `${(rule.unit_types ?? []).map((u) => label(UNIT_TYPES[u as keyof typeof UNIT_TYPES], lang) || u).join(", ")} — ${(rule.education_levels ?? []).length ? (rule.education_levels ?? []).map((l) => label(EDUCATION_LEVELS[l as keyof typeof EDUCATION_LEVELS], lang) || l).join(", ") : t("mọi cấp học", "every level")}` },
      { key: "outline", label: t("Đề cương", "Outline"), children: campaign.outline ? <ol className="problem-errors">{walkSections(campaign.outline.sections).map((s) => <li key={s.number} value={undefined}>{s.number}. {s.title}</li>)}</ol> : "—" },
      { key: "instructions", label: t("Hướng dẫn", "Instructions"), children: <span className="answer">{campaign.instructions ?? "—"}</span> },
    ]} />
  );
}

/** Publishing notifies every target: the confirmation says how many, from the same preview the Targets tab shows. */
function PublishButton({ campaign, onConfirm }: { campaign: Campaign; onConfirm: () => void }) {
  const t = useT();
  const preview = useQuery({
    queryKey: campaignKeys.targets(campaign.id, campaign.version),
    queryFn: () => allItems((offset) => api.GET("/api/submissions/campaigns/{campaign_id}/targets/preview", { params: { path: { campaign_id: campaign.id }, query: { limit: PAGE_MAX, offset } } })),
  });
  const count = preview.data?.length;
  return (
    <Popconfirm title={count === undefined ? t("Đang đếm đơn vị…", "Counting units…")
      : t(`Ban hành và thông báo cho ${count} đơn vị? Danh sách đơn vị được chốt.`, `Publish and notify ${count} units? The targets are frozen.`)}
      okText={t("Ban hành và thông báo", "Publish and notify")} cancelText={t("Huỷ", "Cancel")} okButtonProps={{ disabled: !count }} onConfirm={onConfirm}>
      <Button type="primary">{t("Ban hành", "Publish")}</Button>
    </Popconfirm>
  );
}

export default function CampaignDetailPage({ campaignId }: { campaignId: string }) {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const query = useCampaign(campaignId);
  const transition = useCampaignTransition(campaignId);
  const remove = useDeleteDraft();
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <PageLoading />;
  const campaign = query.data;
  const admin = hasAny(me, ADMIN_ROLES);
  // A promise for the Popconfirm, which shows its OK button busy until the step is done.
  const step = (name: "publish" | "close" | "reopen", done: string) => transition.mutateAsync(name)
    .then(() => { message.success(done); }, (e: Error) => { message.error(e.message, 8); });
  return (
    <>
      <PageTitle title={campaign.title} sub={
        <Space wrap><CampaignStatusTag status={campaign.status} />{campaign.status === "published" && <DeadlineTag due={campaign.due_at} />}<span className="muted small">{campaign.issuer_name} · {t("hạn", "due")} {formatDateTime(campaign.due_at)}</span></Space>
      } extra={(admin || (campaign.rubric_id && campaign.status !== "draft")) && (
        <Space wrap>
          {campaign.rubric_id && campaign.status !== "draft" && (
            <Button icon={<TrophyOutlined />} onClick={() => navigate(`/campaigns/${campaign.id}/results`)}>{t("Kết quả chấm điểm", "Scoring results")}</Button>
          )}
          {campaign.status === "draft" && admin && (
            <>
              <Popconfirm title={t("Xoá bản nháp này? Chưa đơn vị nào được thông báo.", "Delete this draft? No unit has been told about it.")}
                okText={t("Xoá", "Delete")} cancelText={t("Huỷ", "Cancel")} okButtonProps={{ danger: true }} onConfirm={() => remove.mutateAsync(campaign.id).then(() => {
                  message.success(t("Đã xoá bản nháp.", "Draft deleted."));
                  navigate("/campaigns");
                }, (e: Error) => { message.error(e.message, 8); })}>
                <Button danger>{t("Xoá bản nháp", "Delete draft")}</Button>
              </Popconfirm>
              <PublishButton campaign={campaign} onConfirm={() => step("publish", t("Đã ban hành.", "Published."))} />
            </>
          )}
          {campaign.status === "published" && (
            <Popconfirm title={t("Đóng đợt báo cáo? Các trường không nộp được nữa; việc thẩm định vẫn tiếp tục.", "Close? Schools can no longer submit; reviews go on.")}
              okText={t("Đóng", "Close")} cancelText={t("Huỷ", "Cancel")}
              onConfirm={() => step("close", t("Đã đóng đợt báo cáo.", "Closed."))}>
              <Button>{t("Đóng đợt", "Close")}</Button>
            </Popconfirm>
          )}
          {campaign.status === "closed" && (
            <Button loading={transition.isPending} onClick={() => step("reopen", t("Đã mở lại.", "Reopened."))}>{t("Mở lại", "Reopen")}</Button>
          )}
        </Space>
      )} />
      <Tabs items={[
        ...(campaign.status === "draft" ? [] : [{ key: "status", label: t("Tình hình nộp", "Status"), children: <StatusBoard campaignId={campaign.id} /> }]),
        { key: "details", label: t("Thông tin", "Details"), children: <Details campaign={campaign} /> },
        { key: "targets", label: t("Đơn vị phải nộp", "Targets"), children: <Targets campaign={campaign} /> },
      ]} />
    </>
  );
}
