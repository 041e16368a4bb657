// The feed's lists and changes, shared by the bell's popover and the feed page. Every change (read, unread,
// all read) refreshes everything under `notificationKeys.feed()`, the badge's count included.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { pageOffset } from "../../lib/notifications";
import { notificationKeys } from "./api";

export function useFeed({ page, pageSize, unreadOnly, enabled = true }:
  { page: number; pageSize: number; unreadOnly: boolean; enabled?: boolean }) {
  return useQuery({
    queryKey: notificationKeys.feedList({ page, pageSize, unreadOnly }),
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
  const refresh = () => client.invalidateQueries({ queryKey: notificationKeys.feed() });
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
