// The in-app feed's server state, shared by the bell (in every page's header) and the feed page. Every change
// (read, unread, all read) refreshes everything under FEED_KEY, so the badge and the lists never disagree.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { pageOffset } from "../../lib/notifications";

export const FEED_KEY = ["notifications", "feed"] as const;
const UNREAD_KEY = [...FEED_KEY, "unread-count"] as const;

/** How often the badge asks while the tab is open; a focused window asks at once as well. */
export const UNREAD_POLL_MS = 60_000;

export function useUnreadCount() {
  return useQuery({
    queryKey: UNREAD_KEY,
    queryFn: () => call(api.GET("/api/notifications/feed/unread-count")),
    refetchInterval: UNREAD_POLL_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: true,
    staleTime: 10_000,
    // A bell without a badge is better than a header that waits on a service that is down.
    retry: false,
  });
}

export function useFeed({ page, pageSize, unreadOnly, enabled = true }:
  { page: number; pageSize: number; unreadOnly: boolean; enabled?: boolean }) {
  return useQuery({
    queryKey: [...FEED_KEY, "list", { page, pageSize, unreadOnly }],
    queryFn: () => call(api.GET("/api/notifications/feed", {
      params: { query: { limit: pageSize, offset: pageOffset(page, pageSize), unread_only: unreadOnly } },
    })),
    placeholderData: keepPreviousData,
    staleTime: 5_000,
    enabled,
  });
}

export function useFeedChanges() {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: FEED_KEY });
  const markRead = useMutation({
    mutationFn: (itemId: string) => call(api.POST("/api/notifications/feed/{item_id}/read", { params: { path: { item_id: itemId } } })),
    onSettled: refresh,
  });
  const markUnread = useMutation({
    mutationFn: (itemId: string) => call(api.POST("/api/notifications/feed/{item_id}/unread", { params: { path: { item_id: itemId } } })),
    onSettled: refresh,
  });
  const markAllRead = useMutation({
    mutationFn: () => call(api.POST("/api/notifications/feed/read-all")),
    onSettled: refresh,
  });
  return { markRead, markUnread, markAllRead };
}
