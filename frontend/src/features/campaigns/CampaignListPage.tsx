import { PlusOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Button, Input, Select, Table } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../../api/client";
import type { CampaignSummary } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { ADMIN_ROLES, hasAny } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { CAMPAIGN_KINDS, CAMPAIGN_STATUS, CampaignStatusTag, DeadlineTag } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { campaignKeys } from "./api";

const PAGE = 20;

export default function CampaignListPage() {
  const t = useT();
  const { lang } = useLang();
  const me = useMe();
  const [q, setQ] = useState("");
  const [status, setStatus] = useState<CampaignSummary["status"] | undefined>();
  const [page, setPage] = useState(1);
  const query = useQuery({
    queryKey: campaignKeys.list(q, status, page),
    queryFn: () => call(api.GET("/api/submissions/campaigns", { params: { query: { q: q || undefined, status, limit: PAGE, offset: (page - 1) * PAGE } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle title={t("Đợt báo cáo", "Campaigns")} extra={hasAny(me, ADMIN_ROLES) && (
        <Link to="/campaigns/new"><Button type="primary" icon={<PlusOutlined />}>{t("Tạo đợt báo cáo", "New campaign")}</Button></Link>
      )} />
      <div className="filters">
        <Input.Search allowClear placeholder={t("Tìm theo tiêu đề (không cần dấu)", "Search titles (diacritics optional)")} aria-label={t("Tìm đợt báo cáo", "Search campaigns")}
          onSearch={(v) => { setQ(v.trim()); setPage(1); }} style={{ maxWidth: 360 }} />
        <Select allowClear placeholder={t("Trạng thái", "Status")} aria-label={t("Lọc theo trạng thái", "Filter by status")} style={{ minWidth: 160 }} value={status} onChange={(v) => { setStatus(v); setPage(1); }}
          options={Object.entries(CAMPAIGN_STATUS).map(([value, s]) => ({ value, label: s[lang] }))} />
      </div>
      {query.error ? <ProblemAlert error={query.error} /> : null}
      {/* On a phone the title keeps the row's width: the deadline and status sit under it, the kind and issuer
          show from tablet width up (a sideways-scrolling table squeezed titles to one word per line). */}
      <Table<CampaignSummary> rowKey="id" loading={query.isFetching} dataSource={query.data?.items ?? []}
        pagination={{ current: page, pageSize: PAGE, total: query.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t("Đợt báo cáo", "Campaign"), dataIndex: "title", render: (title: string, c) => (
            <>
              <Link to={`/campaigns/${c.id}`}>{title}</Link>
              <div className="phone-only card-facts mt-xs">
                <CampaignStatusTag status={c.status} />
                <span className="small nowrap">{t("Hạn", "Due")} {formatDateTime(c.due_at)}</span>
                {c.status === "published" && <DeadlineTag due={c.due_at} />}
              </div>
            </>
          ) },
          { title: t("Loại", "Kind"), dataIndex: "kind", width: 200, responsive: ["lg"], render: (k: CampaignSummary["kind"]) => CAMPAIGN_KINDS[k][lang === "en" ? 1 : 0] },
          { title: t("Đơn vị ban hành", "Issuer"), dataIndex: "issuer_name", width: 220, responsive: ["md"] },
          { title: t("Hạn nộp", "Deadline"), dataIndex: "due_at", width: 190, responsive: ["sm"], render: (due: string, c) => (
            <>
              <div className="nowrap">{formatDateTime(due)}</div>
              {c.status === "published" && <DeadlineTag due={due} />}
            </>
          ) },
          { title: t("Trạng thái", "Status"), dataIndex: "status", width: 120, responsive: ["sm"], render: (s: CampaignSummary["status"]) => <CampaignStatusTag status={s} /> },
        ]} />
    </>
  );
}
