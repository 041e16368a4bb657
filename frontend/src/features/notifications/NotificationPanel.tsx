// The bell's popover, loaded the first time the bell opens (it is not part of the first load).
import { Button, Empty, Skeleton } from "antd";
import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { DEEP_LINKS } from "../../app/navigation";
import { FeedItemRow } from "./FeedItemRow";
import { useFeed, useFeedChanges } from "./queries";
import { useUnreadCount } from "./unreadCount";

const LATEST = 8;

import type { FeedItem } from "../../api/types";

// `onOpenItem` belongs to the bell, which stays mounted: the panel is gone as soon as an item is opened, and the
// mark-as-read and the badge's refresh after it must not depend on the panel being there.
export default function NotificationPanel({ onClose, onOpenItem }:
  { onClose: () => void; onOpenItem: (item: FeedItem) => void }) {
  const t = useT();
  const feed = useFeed({ page: 1, pageSize: LATEST, unreadOnly: false });
  const unread = useUnreadCount();
  const { markAllRead } = useFeedChanges();
  const panel = useRef<HTMLDivElement>(null);
  const now = new Date();

  // Keyboard users land in the panel (it is rendered at the end of the page, away from the bell).
  useEffect(() => {
    panel.current?.focus();
  }, []);

  const items = feed.data?.items ?? [];
  const unreadCount = unread.data?.unread ?? items.filter((i) => !i.read_at).length;
  return (
    <div className="notification-panel" ref={panel} tabIndex={-1} role="dialog" aria-label={t("Thông báo", "Notifications")}
      data-loaded={feed.isSuccess || undefined}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}>
      <div className="notification-panel-head">
        <strong>{t("Thông báo", "Notifications")}</strong>
        <Button type="link" size="small" disabled={!unreadCount} loading={markAllRead.isPending}
          onClick={() => markAllRead.mutate()}>
          {t("Đánh dấu tất cả đã đọc", "Mark all as read")}
        </Button>
      </div>
      <div className="notification-panel-body">
        {feed.isError ? <ProblemAlert error={feed.error} /> : feed.isPending ? <Skeleton active paragraph={{ rows: 4 }} title={false} /> :
          items.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("Chưa có thông báo nào.", "No notifications yet.")} />
          ) : (
            <ul className="feed-list">
              {items.map((item) => (
                <FeedItemRow key={item.id} item={item} now={now} compact onOpen={onOpenItem} />
              ))}
            </ul>
          )}
      </div>
      <div className="notification-panel-foot">
        <Link to={DEEP_LINKS.notifications} onClick={onClose}>{t("Xem tất cả", "See all")}</Link>
      </div>
    </div>
  );
}
