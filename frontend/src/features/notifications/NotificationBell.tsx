// The bell in the header: the unread count is asked for on every page (small, polled); the popover with the
// latest items is a separate chunk, loaded when the bell is first opened.
import { BellOutlined } from "@ant-design/icons";
import { Badge, Button, Popover, Spin } from "antd";
import { lazy, Suspense, useRef, useState } from "react";
import { useLang } from "../../i18n/lang";
import { badgeText, bellLabel } from "../../lib/notifications";
import type { FeedItem } from "../../api/types";
import { useFeedChanges } from "./queries";
import { useUnreadCount } from "./unreadCount";

const NotificationPanel = lazy(() => import("./NotificationPanel"));

export function NotificationBell() {
  const { lang } = useLang();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const unread = useUnreadCount();
  const { markRead } = useFeedChanges();
  const count = unread.data?.unread;
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  // Here, not in the panel: opening an item closes (unmounts) the panel at once.
  const openItem = (item: FeedItem) => {
    if (!item.read_at) markRead.mutate(item.id);
    close();
  };
  return (
    <Popover
      trigger="click"
      placement="bottomRight"
      arrow={false}
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) void unread.refetch();
      }}
      destroyOnHidden
      rootClassName="bell-popover"
      // Always some content: antd never opens a popover whose content is empty. The panel (and its chunk)
      // loads only once the bell is opened.
      content={(
        <Suspense fallback={<div className="notification-panel notification-panel-loading"><Spin /></div>}>
          {open && <NotificationPanel onClose={close} onOpenItem={openItem} />}
        </Suspense>
      )}
    >
      <Button ref={button} type="text" className="header-icon bell-button" aria-label={bellLabel(count, lang)}
        aria-haspopup="dialog" aria-expanded={open} data-unread={count ?? ""}
        icon={(
          // The badge floats over the icon: the header keeps its layout whether the count is known or not.
          <Badge count={badgeText(count)} size="small" className="bell-badge">
            <BellOutlined />
          </Badge>
        )} />
    </Popover>
  );
}
