// Where every target of a campaign stands: totals, a chart and a table by commune, cluster, level or sub-unit (whole
// scope, by SQL aggregates), and the list of units — the reviewer's queues as tabs, sorted, filtered and paged by the
// server, with row selection for bulk actions; XLSX/CSV export of exactly the filtered rows.
import { DownloadOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { App, Button, Card, Input, Segmented, Select, Space, Statistic, Table, Tabs, Tag, Typography } from "antd";
import type { SorterResult } from "antd/es/table/interface";
import { useState } from "react";
import { Link } from "react-router";
import { api, call, download } from "../../api/client";
import type { GroupStatus, ReviewQueue, TargetStatus, TargetStatusRead } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { SIGNATURE_COLORS, TARGET_STATUS } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { reviewKeys } from "./api";
import { BulkBar } from "./BulkBar";

const PAGE_SIZES = [25, 50, 100, 200];
const score = (value: number | null | undefined) => (value === null || value === undefined ? "—" : String(value).replace(".", ","));
const ORDER: TargetStatus[] = ["approved", "submitted_on_time", "submitted_late", "returned", "draft", "not_started", "overdue"];
type GroupBy = "commune" | "cluster" | "level" | "child";
// The Sở's ways of rolling its schools up since 7/2025: by commune/ward, by cluster, by level, or by the units
// directly under the viewer (historically the Phòng).
const GROUP_BY: { value: GroupBy; vi: string; en: string; title: [string, string] }[] = [
  { value: "commune", vi: "Xã/phường", en: "Commune", title: ["Theo xã/phường", "By commune"] },
  { value: "cluster", vi: "Cụm trường", en: "Cluster", title: ["Theo cụm trường", "By cluster"] },
  { value: "level", vi: "Cấp học", en: "Level", title: ["Theo cấp học", "By level"] },
  { value: "child", vi: "Đơn vị trực thuộc", en: "Sub-unit", title: ["Theo đơn vị trực thuộc", "By sub-unit"] },
];
const percent = (value: number | null | undefined) => (value === null || value === undefined ? "—" : `${String(value).replace(".", ",")}%`);

function Bars({ groups }: { groups: GroupStatus[] }) {
  const t = useT();
  const { lang } = useLang();
  return (
    <figure className="bar-chart" aria-label={t("Tình hình nộp theo đơn vị", "Submission status by unit")}>
      {groups.map((group) => (
        <div key={group.key} className="bar-row">
          <span className="bar-label" title={group.label}>{group.label}</span>
          <span className="bar-track" role="img" aria-label={`${group.label}: ${ORDER.filter((s) => group[s]).map((s) => `${TARGET_STATUS[s][lang]} ${group[s]}`).join(", ")}`}>
            {ORDER.map((s) => group[s] > 0 && <span key={s} style={{ width: `${(group[s] / Math.max(1, group.targets)) * 100}%`, background: TARGET_STATUS[s].color }} title={`${TARGET_STATUS[s][lang]}: ${group[s]}`} />)}
          </span>
          <span className="small nowrap">{percent(group.completeness)}</span>
        </div>
      ))}
      <figcaption className="legend small">
        {ORDER.map((s) => <span key={s}><i style={{ background: TARGET_STATUS[s].color }} />{TARGET_STATUS[s][lang]}</span>)}
      </figcaption>
    </figure>
  );
}

export function StatusBoard({ campaignId }: { campaignId: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const [statuses, setStatuses] = useState<TargetStatus[]>([]);
  const [q, setQ] = useState("");
  const [groupBy, setGroupBy] = useState<GroupBy>("child");
  const [groupKey, setGroupKey] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]);
  const [queue, setQueue] = useState<ReviewQueue | "all">("all");
  const [sort, setSort] = useState("name");
  const [selected, setSelected] = useState<TargetStatusRead[]>([]);
  const filters = { status: statuses.length ? statuses : undefined, q: q || undefined, group_by: groupBy, group_key: groupKey,
    queue: queue === "all" ? undefined : queue, sort };
  const query = useQuery({
    queryKey: reviewKeys.board(campaignId, { statuses, q, groupBy, groupKey, page, pageSize, queue, sort }),
    queryFn: () => call(api.GET("/api/submissions/campaigns/{campaign_id}/status", {
      params: { path: { campaign_id: campaignId }, query: { ...filters, limit: pageSize, offset: (page - 1) * pageSize } },
    })),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  const view = query.data;
  const exportAs = async (format: "xlsx" | "csv") => {
    try {
      await download(api.GET("/api/submissions/campaigns/{campaign_id}/status/export", {
        params: { path: { campaign_id: campaignId }, query: { ...filters, format } }, parseAs: "blob",
      }), `tinh-hinh-nop.${format}`);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  if (query.error && !view) return <ProblemAlert error={query.error} />;
  const totals = view?.totals;
  const grouping = GROUP_BY.find((g) => g.value === groupBy) ?? GROUP_BY[3];
  const chooseGroup = (key: string | undefined) => { setGroupKey(key); setPage(1); };
  const summary = view?.summary;
  const order = (key: string) => (sort === key ? "ascend" as const : sort === `-${key}` ? "descend" as const : null);
  const QUEUES: { key: ReviewQueue | "all"; label: string }[] = [
    { key: "all", label: t("Tất cả", "All") },
    { key: "awaiting", label: t("Chờ thẩm định", "Awaiting review") },
    { key: "mine", label: t("Của tôi", "Mine") },
    { key: "returned", label: t("Trả lại – chờ nộp lại", "Returned") },
    { key: "overdue", label: t("Quá hạn", "Overdue") },
  ];
  return (
    <>
      <div className="stat-grid">
        <Card size="small"><Statistic title={t("Đơn vị phải nộp", "Targets")} value={totals?.targets ?? "—"} /></Card>
        <Card size="small"><Statistic title={t("Đã nộp", "Submitted")} value={totals?.submitted ?? "—"} /></Card>
        <Card size="small"><Statistic title={t("Tỉ lệ đã nộp", "Completeness")} value={percent(totals?.completeness)} /></Card>
        <Card size="small"><Statistic title={t("Tỉ lệ đúng hạn", "On time")} value={percent(totals?.timeliness)} /></Card>
        <Card size="small"><Statistic title={t("Quá hạn", "Overdue")} value={totals?.overdue ?? "—"} valueStyle={{ color: totals?.overdue ? "#cf1322" : undefined }} /></Card>
        <Card size="small"><Statistic title={t("Đã duyệt", "Approved")} value={totals?.approved ?? "—"} /></Card>
        <Card size="small"><Statistic title={t("Chờ thẩm định", "Awaiting review")} value={summary?.awaiting ?? "—"} /></Card>
        <Card size="small"><Statistic title={t("Chưa phân công", "Unassigned")} value={summary?.unassigned ?? "—"} /></Card>
        <Card size="small"><Statistic title={t("Điểm cuối TB", "Average final score")} value={score(summary?.average_final_score)} /></Card>
      </div>
      <div className="filters mb">
        <span id="group-by-label" className="small">{t("Nhóm theo:", "Group by:")}</span>
        <Segmented<GroupBy> className="group-by-switch" aria-labelledby="group-by-label" value={groupBy}
          onChange={(v) => { setGroupBy(v); chooseGroup(undefined); }}
          options={GROUP_BY.map((g) => ({ value: g.value, label: t(g.vi, g.en) }))} />
      </div>
      {view && view.groups.length > 0 && (
        <Card size="small" className="mb" title={groupBy === "child"
          ? t(`Theo đơn vị trực thuộc ${view.group_unit.name}`, `By unit under ${view.group_unit.name}`)
          : t(...grouping.title)}>
          <Bars groups={view.groups} />
          <Table<GroupStatus> className="mt" size="small" rowKey={(g) => g.key} dataSource={view.groups} pagination={false} scroll={{ x: 640 }}
            onRow={(g) => ({ onClick: () => chooseGroup(g.key), style: { cursor: "pointer" } })}
            columns={[
              { title: t(grouping.vi, grouping.en), render: (_, g) => <Button type="link" style={{ padding: 0 }} onClick={() => chooseGroup(g.key)}>{g.label}</Button> },
              { title: t("Phải nộp", "Targets"), dataIndex: "targets", width: 90 },
              { title: t("Đã nộp", "Submitted"), dataIndex: "submitted", width: 90 },
              { title: t("Tỉ lệ nộp", "Completeness"), dataIndex: "completeness", width: 110, render: percent },
              { title: t("Đúng hạn", "On time"), dataIndex: "timeliness", width: 100, render: percent },
              { title: t("Quá hạn", "Overdue"), dataIndex: "overdue", width: 90 },
            ]} />
        </Card>
      )}
      <Card size="small" className="units-card" title={t("Danh sách đơn vị", "Units")} extra={
        <Space wrap>
          <Button size="small" icon={<DownloadOutlined />} onClick={() => void exportAs("xlsx")}>XLSX</Button>
          <Button size="small" icon={<DownloadOutlined />} onClick={() => void exportAs("csv")}>CSV</Button>
        </Space>
      }>
        <Tabs activeKey={queue} onChange={(k) => { setQueue(k as ReviewQueue | "all"); setPage(1); setSelected([]); }}
          items={QUEUES.map((item) => ({ key: item.key, label: item.label }))} />
        {/* Always mounted: after the selection is cleared it still follows the action and shows its outcome. */}
        <BulkBar campaignId={campaignId} selected={selected} onDone={() => setSelected([])} />
        <div className="filters">
          <Input.Search allowClear placeholder={t("Tìm trường (không cần dấu), ví dụ: hoa binh", "Search schools (diacritics optional)")} aria-label={t("Tìm đơn vị", "Search units")}
            onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 320 }} />
          <Select mode="multiple" allowClear placeholder={t("Trạng thái", "Status")} aria-label={t("Lọc theo trạng thái", "Filter by status")} style={{ minWidth: 220 }} value={statuses}
            onChange={(v) => { setStatuses(v); setPage(1); }} options={ORDER.map((s) => ({ value: s, label: TARGET_STATUS[s][lang] }))} />
          <Select allowClear placeholder={t(grouping.vi, grouping.en)} aria-label={t(`Lọc theo ${grouping.vi.toLowerCase()}`, `Filter by ${grouping.en.toLowerCase()}`)} style={{ minWidth: 220 }} value={groupKey}
            onChange={(v) => chooseGroup(v)} options={(view?.groups ?? []).map((g) => ({ value: g.key, label: g.label }))} />
        </div>
        {/* On a phone: the unit, its status and the link to its report in two columns, the rest under the name
            (a sideways-scrolling table put the report link off screen). */}
        {/* Scrolled by this region, not by the table's own `scroll`: that adds an aria-hidden measuring row which
            repeats the column titles, the select-all checkbox among them (focusable inside aria-hidden). */}
        <div className="table-scroll" role="region" tabIndex={0} aria-label={t("Danh sách đơn vị", "Units")}>
        <Table<TargetStatusRead> size="small" rowKey="unit_id" loading={query.isFetching} dataSource={view?.targets.items ?? []}
          rowSelection={{ selectedRowKeys: selected.map((s) => s.unit_id), onChange: (_, rows) => setSelected(rows),
            columnWidth: 36 }}
          onChange={(_, __, sorter) => {
            const one = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<TargetStatusRead> | undefined;
            const key = one?.order ? String(one.columnKey) : "name";
            setSort(one?.order === "descend" ? `-${key}` : key);
            setPage(1);
          }}
          pagination={{ current: page, pageSize, total: view?.targets.total ?? 0, showSizeChanger: true, pageSizeOptions: PAGE_SIZES,
            locale: { items_per_page: t("/ trang", "/ page") },
            onChange: (p, size) => { if (size !== pageSize) { setPageSize(size); setPage(1); } else setPage(p); } }}
          columns={[
            { title: t("Đơn vị", "Unit"), key: "name", sorter: true, sortOrder: order("name"), render: (_, row) => (
              <>
                <div>{row.submission_id ? <Link to={`/submissions/${row.submission_id}`}>{row.unit_name}</Link> : row.unit_name}</div>
                <div className="muted small">{row.unit_code}</div>
                <div className="phone-only card-facts mt-xs small">
                  <span>{t("Hạn", "Due")} {formatDateTime(row.due_at)}</span>
                  {(row.overdue_text || row.late_text) && <Typography.Text type="danger">{row.overdue_text ?? row.late_text}</Typography.Text>}
                  {row.submission_id && <Link to={`/submissions/${row.submission_id}`}>{t("Mở báo cáo", "Open")}</Link>}
                </div>
              </>
            ) },
            { title: t("Trạng thái", "Status"), dataIndex: "status", key: "status", sorter: true, sortOrder: order("status"), width: 150, render: (s: TargetStatus) => <Tag color={TARGET_STATUS[s].color}>{TARGET_STATUS[s][lang]}</Tag> },
            { title: t("Nội dung", "Content"), dataIndex: "completeness", key: "completeness", sorter: true, sortOrder: order("completeness"), width: 100, responsive: ["sm"], render: (v: number | null) => (v === null ? "—" : `${v}%`) },
            { title: t("Tự chấm", "Self"), dataIndex: "self_score", key: "self_score", sorter: true, sortOrder: order("self_score"), width: 90, responsive: ["sm"], render: score },
            { title: t("Thẩm định", "Review"), dataIndex: "review_score", key: "review_score", sorter: true, sortOrder: order("review_score"), width: 100, responsive: ["sm"], render: score },
            { title: t("Người thẩm định", "Reviewer"), dataIndex: "reviewer_name", key: "reviewer", sorter: true, sortOrder: order("reviewer"), width: 150, responsive: ["md"], render: (v: string | null) => v ?? <span className="muted">—</span> },
            { title: t("Hạn", "Deadline"), dataIndex: "due_at", key: "due_at", sorter: true, sortOrder: order("due_at"), width: 150, responsive: ["sm"], render: (v: string) => formatDateTime(v) },
            { title: t("Nộp lần cuối", "Last submitted"), dataIndex: "last_submitted_at", width: 150, responsive: ["md"], render: (v: string | null) => formatDateTime(v) || "—" },
            { title: t("Ký số", "Signature"), width: 130, responsive: ["sm"], render: (_, row) => row.signature_state
              ? <><Tag color={SIGNATURE_COLORS[row.signature_state]}>{row.signature_label}</Tag>
                {row.signature_state === "invalid" && <div className="small muted">{row.signature_reason}</div>}</>
              : <span className="muted">—</span> },
            { title: t("Muộn", "Late by"), key: "late_by", sorter: true, sortOrder: order("late_by"), width: 170, responsive: ["sm"], render: (_, row) => <Typography.Text type={row.overdue_text || row.late_text ? "danger" : undefined}>{row.overdue_text ?? row.late_text ?? ""}</Typography.Text> },
            { title: t("Xã/phường", "Commune"), dataIndex: "commune_name", key: "commune", sorter: true, sortOrder: order("commune"), width: 160, responsive: ["md"], render: (v: string | null | undefined) => v ?? <span className="muted">—</span> },
          ]} />
        </div>
      </Card>
      {view && <div className="muted small mt">{t("Số liệu tính đến", "As of")} {formatDateTime(view.as_of)}</div>}
    </>
  );
}
