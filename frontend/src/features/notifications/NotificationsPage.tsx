// Every notification of the signed-in person, newest first, a page at a time (the API's limit/offset), with
// an unread filter; page and filter live in the address so that Back and a shared link keep them.
import { CheckOutlined, UndoOutlined } from "@ant-design/icons";
import { Button, Card, Empty, Pagination, Segmented, Skeleton } from "antd";
import { useEffect } from "react";
import { useSearchParams } from "react-router";
import type { FeedItem } from "../../api/types";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { DAY_GROUP_LABELS, groupByDay } from "../../lib/notifications";
import { FeedItemRow } from "./FeedItemRow";
import { useFeed, useFeedChanges } from "./queries";
import { useUnreadCount } from "./unreadCount";

const PAGE_SIZE = 20;

export default function NotificationsPage() {
  const t = useT();
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get("filter") === "unread";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const feed = useFeed({ page, pageSize: PAGE_SIZE, unreadOnly });
  const unread = useUnreadCount();
  const { markRead, markUnread, markAllRead } = useFeedChanges();
  const now = new Date();

  const show = (next: { unreadOnly?: boolean; page?: number }) => {
    const query = new URLSearchParams();
    if (next.unreadOnly ?? unreadOnly) query.set("filter", "unread");
    if ((next.page ?? 1) > 1) query.set("page", String(next.page));
    setParams(query);
  };

  // Marking the last items of a page read (unread filter) empties it: show the page before instead.
  const total = feed.data?.total ?? 0;
  useEffect(() => {
    if (feed.isSuccess && !feed.isPlaceholderData && page > 1 && (page - 1) * PAGE_SIZE >= total) {
      show({ page: Math.max(1, Math.ceil(total / PAGE_SIZE)) });
    }
  });

  const toggle = (item: FeedItem) => (item.read_at ? markUnread : markRead).mutate(item.id);
  const busyId = markRead.isPending ? markRead.variables : markUnread.isPending ? markUnread.variables : undefined;
  const items = feed.data?.items ?? [];

  return (
    <>
      <PageTitle title={t("Thông báo", "Notifications")} extra={
        <Button icon={<CheckOutlined />} disabled={!unread.data?.unread} loading={markAllRead.isPending}
          onClick={() => markAllRead.mutate()}>
          {t("Đánh dấu tất cả đã đọc", "Mark all as read")}
        </Button>
      } />
      <div className="feed-toolbar mb">
        <Segmented aria-label={t("Lọc thông báo", "Filter notifications")} value={unreadOnly ? "unread" : "all"}
          onChange={(value) => show({ unreadOnly: value === "unread", page: 1 })}
          options={[
            { value: "all", label: t("Tất cả", "All") },
            { value: "unread", label: unread.data?.unread ? `${t("Chưa đọc", "Unread")} (${unread.data.unread})` : t("Chưa đọc", "Unread") },
          ]} />
        {feed.isSuccess && <span className="muted small" aria-live="polite">{t(`${total} thông báo`, `${total} notifications`)}</span>}
      </div>
      <Card className="feed-card">
        {feed.isError ? <ProblemAlert error={feed.error} /> : feed.isPending ? <Skeleton active paragraph={{ rows: 6 }} /> :
          items.length === 0 ? (
            <Empty description={unreadOnly
              ? t("Không có thông báo chưa đọc. Bạn đã xem hết.", "No unread notifications. You are all caught up.")
              : t("Chưa có thông báo nào. Đợt báo cáo mới, nhắc hạn nộp, báo cáo bị trả lại hay được duyệt sẽ được báo ở đây.",
                "No notifications yet. New campaigns, deadline reminders, returned or approved reports will show here.")} />
          ) : (
            groupByDay(items, now).map((run) => (
              <section key={`${run.group}-${run.items[0].id}`} className="feed-group" aria-label={DAY_GROUP_LABELS[run.group][lang === "en" ? 1 : 0]}>
                <h2 className="feed-group-title">{DAY_GROUP_LABELS[run.group][lang === "en" ? 1 : 0]}</h2>
                <ul className="feed-list">
                  {run.items.map((item) => (
                    <FeedItemRow key={item.id} item={item} now={now}
                      onOpen={(opened) => { if (!opened.read_at) markRead.mutate(opened.id); }}
                      actions={
                        <Button size="small" type="text" icon={item.read_at ? <UndoOutlined /> : <CheckOutlined />}
                          loading={busyId === item.id} onClick={() => toggle(item)}
                          aria-label={item.read_at
                            ? t(`Đánh dấu chưa đọc: ${item.title}`, `Mark unread: ${item.title}`)
                            : t(`Đánh dấu đã đọc: ${item.title}`, `Mark read: ${item.title}`)}>
                          <span className="feed-action-text">{item.read_at ? t("Đánh dấu chưa đọc", "Mark unread") : t("Đánh dấu đã đọc", "Mark read")}</span>
                        </Button>
                      } />
                  ))}
                </ul>
              </section>
            ))
          )}
        {total > PAGE_SIZE && (
          <Pagination className="feed-pagination" current={page} pageSize={PAGE_SIZE} total={total} showSizeChanger={false}
            size="small" onChange={(next) => { show({ page: next }); window.scrollTo(0, 0); }} />
        )}
      </Card>
    </>
  );
}
