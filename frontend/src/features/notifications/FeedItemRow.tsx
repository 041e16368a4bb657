import type { ReactNode } from "react";
import { Link } from "react-router";
import type { FeedItem } from "../../api/types";
import { useLang } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { inAppLink, relativeTime } from "../../lib/notifications";

/**
 * One notification: unread marker, title as the link to what it is about (opening it marks it read), the body,
 * and when it came. `actions` (the feed page's read/unread button) sits at the end of the row.
 */
export function FeedItemRow({ item, now, onOpen, actions, compact = false }: {
  item: FeedItem;
  now: Date;
  onOpen: (item: FeedItem) => void;
  actions?: ReactNode;
  compact?: boolean;
}) {
  const { lang } = useLang();
  const unread = !item.read_at;
  return (
    <li className={`feed-item${unread ? " feed-item-unread" : ""}${compact ? " feed-item-compact" : ""}`} data-unread={unread}>
      <span className="feed-dot" aria-hidden="true" />
      <div className="feed-text">
        <Link className="feed-title" to={inAppLink(item.link, window.location.origin)} onClick={() => onOpen(item)}>
          {unread && <span className="sr-only">{lang === "en" ? "Unread: " : "Chưa đọc: "}</span>}
          {item.title}
        </Link>
        {item.body && <div className="feed-body">{item.body}</div>}
        <time className="feed-time" dateTime={item.created_at} title={formatDateTime(item.created_at)}>
          {relativeTime(item.created_at, now, lang)}
        </time>
      </div>
      {actions && <div className="feed-actions">{actions}</div>}
    </li>
  );
}
