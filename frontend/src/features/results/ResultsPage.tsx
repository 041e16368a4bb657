// `/campaigns/:campaignId/results`: a campaign's scoring results. Authorities see every unit's final score,
// class and rank (ties shared), the distribution by class, per sub-authority summaries and last year's
// figures; they export, switch the ranking on or off and publish. Schools see the published list.
// The unit tables are paged, searched and filtered by the server (30,000 units would not fit in one response);
// the figures above them always cover every unit.
import { FileExcelOutlined, SafetyCertificateOutlined, TrophyOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Empty, Input, Segmented, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, call, download } from "../../api/client";
import type { ScoringComponents } from "../../api/generated";
import { PageLoading } from "../../components/PageLoading";
import { useMe } from "../auth/AuthProvider";
import { ADMIN_ROLES, hasAny, isSchoolUser } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { SUBMISSION_STATUS } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { formatPoints } from "../../lib/scoring";
import { ErrorScreen } from "../../components/ErrorPages";
import { useCampaign } from "../campaigns/api";
import { ClassTag } from "../../components/ScoreTable";
import { resultKeys, usePublishResults, useRankingSetting } from "./api";
import { PublishWarning } from "./PublishWarning";

type S = ScoringComponents["schemas"];
type ResultRow = S["ResultRow"];
type ClassCount = S["ClassCount"];
type GroupSummary = S["GroupSummary"];
type PublishedRow = S["PublishedResultRead"];

const PAGE = 50;
type ResultsGroupBy = "commune" | "cluster" | "level" | "child";
// How a Sở rolls its schools' results up since 7/2025 (no Phòng between): commune/ward, cluster, level, or the
// units directly under the issuer.
const RESULTS_GROUP_BY: { value: ResultsGroupBy; vi: string; en: string }[] = [
  { value: "commune", vi: "Xã/phường", en: "Commune" },
  { value: "cluster", vi: "Cụm trường", en: "Cluster" },
  { value: "level", vi: "Cấp học", en: "Level" },
  { value: "child", vi: "Đơn vị trực thuộc", en: "Sub-unit" },
];

const CLASS_COLORS: Record<string, string> = { "Xuất sắc": "#389e0d", "Tốt": "#1677ff", "Khá": "#13c2c2", "Trung bình": "#fa8c16", "Yếu": "#cf1322" };

/** Units per class as horizontal bars (the count and the share beside each). */
function Distribution({ counts, caption }: { counts: ClassCount[]; caption: string }) {
  const t = useT();
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  const top = Math.max(1, ...counts.map((c) => c.count));
  if (!total) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("Chưa có đơn vị nào được chấm điểm", "No unit has been scored yet")} />;
  return (
    <figure className="bar-chart class-chart" aria-label={caption}>
      {counts.map((c) => (
        <div key={c.label} className="bar-row">
          <span className="bar-label">{c.label}</span>
          <span className="bar-track" role="img" aria-label={`${c.label}: ${c.count}`}>
            {c.count > 0 && <span style={{ width: `${(c.count / top) * 100}%`, background: CLASS_COLORS[c.label] ?? "#597ef7" }} />}
          </span>
          <span className="small nowrap">{c.count} ({Math.round((c.count / total) * 100)}%)</span>
        </div>
      ))}
      <figcaption className="muted small">{caption}</figcaption>
    </figure>
  );
}

function RankCell({ row }: { row: { rank: number | null; tied?: boolean } }) {
  const t = useT();
  if (row.rank === null) return <span className="muted">—</span>;
  return <span className="nowrap">{row.rank}{row.tied && <Tag className="tied-tag" color="gold">{t("đồng hạng", "tied")}</Tag>}</span>;
}

/** What a school (or anyone below the issuer) sees: the published list. */
function PublishedResults({ campaignId }: { campaignId: string }) {
  const t = useT();
  const { lang } = useLang();
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const query = useQuery({
    queryKey: resultKeys.publishedPage(campaignId, q, page),
    queryFn: () => call(api.GET("/api/scoring/campaigns/{campaign_id}/results/published", {
      params: { path: { campaign_id: campaignId }, query: { q: q || undefined, limit: PAGE, offset: (page - 1) * PAGE } },
    })),
    placeholderData: keepPreviousData,
    retry: false,
  });
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <PageLoading />;
  const data = query.data;
  const ranked = data.items.some((r) => r.rank !== null);
  return (
    <>
      <PageTitle title={t("Kết quả đánh giá", "Results")} sub={<Space wrap><Typography.Text strong>{data.campaign_title}</Typography.Text>
        <span className="muted small">{t("Công bố lúc", "Published")} {formatDateTime(data.published_at)}{data.school_year ? ` · ${t("năm học", "school year")} ${data.school_year}` : ""}</span></Space>} />
      <div className="filters">
        <Input.Search allowClear placeholder={t("Tìm theo tên đơn vị (không cần dấu)", "Search by unit name (diacritics optional)")} aria-label={t("Tìm đơn vị", "Search units")}
          onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 360 }} />
      </div>
      <Table<PublishedRow> rowKey="unit_id" size="small" loading={query.isFetching} dataSource={data.items} scroll={{ x: 520 }}
        pagination={{ current: page, pageSize: PAGE, total: data.total, onChange: setPage, showSizeChanger: false, hideOnSinglePage: true }} columns={[
        ...(ranked ? [{ title: t("Hạng", "Rank"), width: 110, render: (_: unknown, r: PublishedRow) => <RankCell row={r} /> }] : []),
        { title: t("Đơn vị", "Unit"), dataIndex: "unit_name" },
        { title: t("Điểm", "Score"), width: 100, align: "right" as const, render: (_: unknown, r: PublishedRow) => `${formatPoints(r.final_total, lang)} / ${formatPoints(r.max_total, lang)}` },
        { title: t("Xếp loại", "Class"), width: 120, render: (_: unknown, r: PublishedRow) => <ClassTag label={r.classification} /> },
      ]} />
    </>
  );
}

function AuthorityResults({ campaignId }: { campaignId: string }) {
  const t = useT();
  const { lang } = useLang();
  const me = useMe();
  const { message, modal } = App.useApp();
  const ranking = useRankingSetting(campaignId);
  const publishing = usePublishResults(campaignId);
  const [q, setQ] = useState("");
  const [classification, setClassification] = useState<string | undefined>();
  const [groupBy, setGroupBy] = useState<ResultsGroupBy>("child");
  const [groupKey, setGroupKey] = useState<string | undefined>();
  const [sort, setSort] = useState<"rank" | "name">("rank");
  const [page, setPage] = useState(1);
  const query = useQuery({
    queryKey: resultKeys.table(campaignId, { q, classification, groupBy, groupKey, sort, page }),
    queryFn: () => call(api.GET("/api/scoring/campaigns/{campaign_id}/results", {
      params: {
        path: { campaign_id: campaignId },
        query: { q: q || undefined, classification, group_by: groupBy, group_key: groupKey, sort, limit: PAGE, offset: (page - 1) * PAGE },
      },
    })),
    placeholderData: keepPreviousData,
  });
  // A closed campaign's published results stay as they are: no publishing again, no ranking change.
  const campaign = useCampaign(campaignId);
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <PageLoading />;
  const data = query.data;
  const closed = campaign.data === undefined || ["closed", "archived"].includes(campaign.data.status);
  const mayPublish = hasAny(me, ADMIN_ROLES) && !closed;
  const path = { params: { path: { campaign_id: campaignId } } };
  const approved = data.approved_count;
  const filtered = Boolean(q || classification || groupKey !== undefined);
  const grouping = RESULTS_GROUP_BY.find((g) => g.value === groupBy) ?? RESULTS_GROUP_BY[3];
  const filter = <T,>(set: (v: T) => void) => (v: T) => { set(v); setPage(1); };

  const setRanking = (on: boolean) => ranking.mutateAsync(on).then(
    () => { message.success(on ? t("Đã bật xếp hạng.", "Ranking on.") : t("Đã tắt xếp hạng.", "Ranking off.")); },
    (e: Error) => { message.error(e.message, 8); });
  // The confirmation carries the server's preview: how many results go out and which units are left out.
  const publish = async () => {
    let preview;
    try {
      preview = await call(api.GET("/api/scoring/campaigns/{campaign_id}/results/publish-preview", path));
    } catch (e) {
      message.error((e as Error).message, 8);
      return;
    }
    modal.confirm({
      title: t("Công bố kết quả?", "Publish the results?"),
      width: 640,
      content: <PublishWarning preview={preview} rankingEnabled={data.ranking_enabled} />,
      okText: t("Công bố", "Publish"),
      cancelText: t("Huỷ", "Cancel"),
      onOk: () => publishing.mutateAsync().then(
        () => { message.success(t("Đã công bố kết quả.", "Results published.")); },
        (e: Error) => { message.error(e.message, 8); }),
    });
  };
  // The export groups as the page does: the group column is the commune, cluster or level chosen here.
  const exportXlsx = () => download(api.GET("/api/scoring/campaigns/{campaign_id}/results/export", {
    params: { path: { campaign_id: campaignId }, query: { group_by: groupBy } }, parseAs: "blob",
  }), "ket-qua.xlsx").catch((e: Error) => message.error(e.message));
  const signedPdf = () => download(api.GET("/api/scoring/campaigns/{campaign_id}/results/published/signed.pdf", { ...path, parseAs: "blob" }), "ket-qua-da-ky-so.pdf").catch((e: Error) => message.error(e.message, 8));
  const previous = data.previous_year;

  return (
    <>
      <PageTitle title={t("Kết quả chấm điểm", "Scoring results")} sub={
        <Space wrap size={[8, 4]}>
          <Link to={`/campaigns/${campaignId}`}>{data.campaign_title}</Link>
          {data.published_at ? <Tag color="green">{t("Đã công bố", "Published")} {formatDateTime(data.published_at)}</Tag> : <Tag>{t("Chưa công bố", "Not published")}</Tag>}
        </Space>
      } extra={
        <Space wrap>
          <Button icon={<FileExcelOutlined />} onClick={() => void exportXlsx()}>{t("Xuất Excel", "Export XLSX")}</Button>
          {data.published_at && <Button icon={<SafetyCertificateOutlined />} onClick={() => void signedPdf()}>{t("Văn bản kết quả đã ký số (PDF)", "Signed results (PDF)")}</Button>}
          {mayPublish && <Button type="primary" icon={<TrophyOutlined />} disabled={approved === 0} onClick={() => void publish()}>{data.published_at ? t("Công bố lại", "Publish again") : t("Công bố kết quả", "Publish results")}</Button>}
        </Space>
      } />
      <div className="stat-grid">
        <Card size="small"><div className="muted small">{t("Đã chấm / phải nộp", "Scored / targets")}</div><strong className="big-number">{data.scored_count} / {data.target_count}</strong></Card>
        <Card size="small"><div className="muted small">{t("Điểm trung bình", "Average")}</div><strong className="big-number">{formatPoints(data.average_total, lang)}</strong></Card>
        <Card size="small"><div className="muted small">{t("Đã phê duyệt (sẽ công bố)", "Approved (to publish)")}</div><strong className="big-number">{approved}</strong></Card>
        {previous && <Card size="small"><div className="muted small">{t("Năm trước: trung bình", "Last year: average")}</div><strong className="big-number">{formatPoints(previous.average_total, lang)}</strong><div className="muted small">{previous.campaign_title}</div></Card>}
      </div>
      <div className="results-grid mb">
        <Card size="small" title={t("Phân bố theo xếp loại", "Distribution by class")}>
          <Distribution counts={data.distribution} caption={t(`${data.scored_count} đơn vị đã chấm điểm`, `${data.scored_count} units scored`)} />
          {previous && <><Typography.Title level={5} className="mt">{t("Năm học trước", "Last school year")}</Typography.Title>
            <Distribution counts={previous.distribution} caption={`${previous.campaign_title} (${previous.unit_count})`} /></>}
        </Card>
        <Card size="small" title={t(`Theo ${grouping.vi.toLowerCase()}`, `By ${grouping.en.toLowerCase()}`)}>
          <Segmented<ResultsGroupBy> className="group-by-switch mb" size="small" aria-label={t("Nhóm theo", "Group by")} value={groupBy}
            onChange={(v) => { setGroupBy(v); setGroupKey(undefined); setPage(1); }}
            options={RESULTS_GROUP_BY.map((g) => ({ value: g.value, label: t(g.vi, g.en) }))} />
          <Table<GroupSummary> rowKey={(g) => g.key ?? g.group_id ?? "none"} size="small" pagination={false} dataSource={data.groups} scroll={{ x: 420 }} columns={[
            { title: t(grouping.vi, grouping.en), render: (_, g) => g.group_name ?? t("Trực thuộc", "Direct") },
            { title: t("Số đơn vị", "Units"), dataIndex: "unit_count", width: 80, align: "right" },
            { title: t("Trung bình", "Average"), width: 90, align: "right", render: (_, g) => formatPoints(g.average_total, lang) },
            { title: t("Xếp loại", "Classes"), render: (_, g) => <Space size={[4, 4]} wrap>{g.distribution.filter((d) => d.count).map((d) => <Tag key={d.label}>{d.label}: {d.count}</Tag>)}</Space> },
          ]} />
        </Card>
      </div>
      <Card size="small" title={t("Kết quả từng đơn vị", "Results by unit")} extra={
        <label className="nowrap small">{t("Xếp hạng", "Ranking")} <Switch size="small" checked={data.ranking_enabled} disabled={!mayPublish} onChange={(on) => void setRanking(on)} aria-label={t("Bật/tắt xếp hạng", "Ranking on/off")} /></label>
      }>
        <div className="filters">
          <Input.Search allowClear placeholder={t("Tìm theo tên đơn vị (không cần dấu)", "Search by unit name (diacritics optional)")} aria-label={t("Tìm đơn vị", "Search units")}
            onSearch={(v) => filter(setQ)(v.trim())} style={{ maxWidth: 320 }} />
          <Select allowClear placeholder={t("Xếp loại", "Class")} aria-label={t("Lọc theo xếp loại", "Filter by class")} style={{ minWidth: 150 }} value={classification}
            onChange={filter(setClassification)} options={data.distribution.map((c) => ({ value: c.label, label: `${c.label} (${c.count})` }))} />
          {data.groups.some((g) => g.group_name) && <Select allowClear placeholder={t(grouping.vi, grouping.en)} aria-label={t(`Lọc theo ${grouping.vi.toLowerCase()}`, `Filter by ${grouping.en.toLowerCase()}`)} style={{ minWidth: 200 }} value={groupKey}
            onChange={filter(setGroupKey)} options={data.groups.filter((g) => g.group_name).map((g) => ({ value: g.key ?? "", label: g.group_name ?? "—" }))} />}
          <Select aria-label={t("Sắp xếp", "Sort")} style={{ minWidth: 170 }} value={sort} onChange={filter(setSort)}
            options={[{ value: "rank", label: t("Theo thứ hạng", "By rank") }, { value: "name", label: t("Theo tên đơn vị", "By name") }]} />
        </div>
        <Table<ResultRow> rowKey="submission_id" size="small" loading={query.isFetching} dataSource={data.items} scroll={{ x: 950 }}
          pagination={{ current: page, pageSize: PAGE, total: data.total, onChange: setPage, showSizeChanger: false, hideOnSinglePage: true,
            showTotal: (total) => t(`${total} đơn vị`, `${total} units`) }} columns={[
          ...(data.ranking_enabled ? [{ title: t("Hạng", "Rank"), width: 120, render: (_: unknown, r: ResultRow) => <RankCell row={r} /> }] : []),
          { title: t("Đơn vị", "Unit"), render: (_: unknown, r: ResultRow) => <Link to={`/submissions/${r.submission_id}`}>{r.unit_name}</Link> },
          { title: t(grouping.vi, grouping.en), dataIndex: "group_name", render: (v: string | null) => v ?? "—" },
          { title: t("Tự chấm", "Self"), width: 80, align: "right" as const, render: (_: unknown, r: ResultRow) => formatPoints(r.self_total, lang) },
          { title: t("Thẩm định", "Review"), width: 90, align: "right" as const, render: (_: unknown, r: ResultRow) => r.review_total === null ? <span className="muted" title={t("Chưa thẩm định tiêu chí nào", "No criterion reviewed")}>—</span> : <span title={t(`Điểm thẩm định của ${r.reviewed_count}/${r.criteria_count} tiêu chí`, `Review score of ${r.reviewed_count}/${r.criteria_count} criteria`)}>{formatPoints(r.review_total, lang)}</span> },
          { title: t("Điểm cuối cùng", "Final"), width: 90, align: "right" as const, render: (_: unknown, r: ResultRow) => <strong>{formatPoints(r.final_total, lang)}</strong> },
          { title: t("Xếp loại", "Class"), width: 130, render: (_: unknown, r: ResultRow) => <><ClassTag label={r.classification} />{r.classification_note && <div className="muted small">{r.classification_note}</div>}</> },
          ...(previous ? [{ title: t("Năm trước", "Last year"), width: 120, render: (_: unknown, r: ResultRow) => r.previous_total === null ? "—" : <span>{formatPoints(r.previous_total, lang)} {r.previous_classification && <span className="muted small">({r.previous_classification})</span>}</span> }] : []),
          { title: t("Trạng thái", "Status"), width: 130, render: (_: unknown, r: ResultRow) => <>{SUBMISSION_STATUS[r.submission_status as keyof typeof SUBMISSION_STATUS]?.[lang] ?? r.submission_status}{r.large_gap && <div><Tag color="orange">{t("chênh lệch lớn", "large gap")}</Tag></div>}</> },
        ]} />
      </Card>
      {filtered && !data.total && <Alert className="mt" type="info" showIcon title={t("Không có đơn vị nào khớp bộ lọc.", "No unit matches the filters.")} />}
      {!data.scored_count && <Alert className="mt" type="info" showIcon title={t("Chưa có báo cáo nào được chấm điểm.", "No report has been scored yet.")} />}
    </>
  );
}

export default function ResultsPage() {
  const { campaignId = "" } = useParams();
  const me = useMe();
  if (isSchoolUser(me)) return <PublishedResults campaignId={campaignId} />;
  return <AuthorityResults campaignId={campaignId} />;
}
