// The badge's server state: on every page, so kept apart from the feed's lists and changes (queries.ts), which
// load with the bell's popover or the feed page. Everything under `notificationKeys.feed()` is refreshed after any change, so
// the badge and the lists never disagree.
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { notificationKeys } from "./api";


/** How often the badge asks while the tab is open; a focused window asks at once as well. */
export const UNREAD_POLL_MS = 60_000;

export function useUnreadCount() {
  return useQuery({
    queryKey: notificationKeys.unreadCount(),
    queryFn: () => call(api.GET("/api/notifications/feed/unread-count")),
    refetchInterval: UNREAD_POLL_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: true,
    staleTime: 10_000,
    // A bell without a badge is better than a header that waits on a service that is down.
    retry: false,
  });
}
