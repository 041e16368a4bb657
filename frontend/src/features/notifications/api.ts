// Notifications (the feed, the bell's count, e-mail preferences, calendar feeds): the query-key factory. The feed's
// queries and changes are in `queries.ts` and `unreadCount.ts` (the badge's query loads on every page, the rest
// with the bell's popover or the feed page).
export const notificationKeys = {
  all: ["notifications"] as const,
  /** The feed's lists and the badge's count: every change to the feed refreshes all of it. */
  feed: () => [...notificationKeys.all, "feed"] as const,
  feedList: (filters: { page: number; pageSize: number; unreadOnly: boolean }) => [...notificationKeys.feed(), "list", filters] as const,
  unreadCount: () => [...notificationKeys.feed(), "unread-count"] as const,
  preferences: () => [...notificationKeys.all, "preferences"] as const,
  calendarFeeds: () => [...notificationKeys.all, "calendar-feeds"] as const,
};
