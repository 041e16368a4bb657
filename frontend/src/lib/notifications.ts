// The in-app feed as people read it: "5 phút trước" for what just arrived, a date for what is older than a
// week; items grouped by day in Vietnam; and a link that can only ever open a screen of this app (a feed
// item's link comes from another service and ends up in an <a href>).
import { formatDate, type Lang } from "./deadline";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const VN_OFFSET = 7 * HOUR;

function vnDay(value: Date): number {
  return Math.floor((value.getTime() + VN_OFFSET) / DAY);
}

/** "vừa xong", "5 phút trước", "3 giờ trước", "hôm qua", "4 ngày trước", then dd/mm/yyyy after a week. */
export function relativeTime(value: string | Date, now: Date = new Date(), lang: Lang = "vi"): string {
  const when = value instanceof Date ? value : new Date(value);
  const ago = now.getTime() - when.getTime();
  // A clock a little ahead of ours still reads as "just now", not as the future.
  if (ago < MINUTE) return lang === "vi" ? "vừa xong" : "just now";
  if (ago < HOUR) {
    const minutes = Math.floor(ago / MINUTE);
    return lang === "vi" ? `${minutes} phút trước` : `${minutes} ${minutes === 1 ? "minute" : "minutes"} ago`;
  }
  const days = vnDay(now) - vnDay(when);
  if (days === 0) {
    const hours = Math.floor(ago / HOUR);
    return lang === "vi" ? `${hours} giờ trước` : `${hours} ${hours === 1 ? "hour" : "hours"} ago`;
  }
  if (days === 1) return lang === "vi" ? "hôm qua" : "yesterday";
  if (days < 7) return lang === "vi" ? `${days} ngày trước` : `${days} days ago`;
  return formatDate(when);
}

export type DayGroup = "today" | "yesterday" | "week" | "older";

export const DAY_GROUP_LABELS: Record<DayGroup, [vi: string, en: string]> = {
  today: ["Hôm nay", "Today"],
  yesterday: ["Hôm qua", "Yesterday"],
  week: ["7 ngày qua", "Last 7 days"],
  older: ["Cũ hơn", "Older"],
};

export function dayGroupOf(value: string, now: Date = new Date()): DayGroup {
  const days = vnDay(now) - vnDay(new Date(value));
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  if (days < 7) return "week";
  return "older";
}

/** Items (newest first, as the API lists them) in runs of the same day group, order kept. */
export function groupByDay<T extends { created_at: string }>(items: T[], now: Date = new Date()):
  { group: DayGroup; items: T[] }[] {
  const runs: { group: DayGroup; items: T[] }[] = [];
  for (const item of items) {
    const group = dayGroupOf(item.created_at, now);
    const last = runs[runs.length - 1];
    if (last && last.group === group) last.items.push(item);
    else runs.push({ group, items: [item] });
  }
  return runs;
}

/**
 * Where a feed item leads inside the SPA. Only a path of this app is kept ("/submissions/…"); a full URL
 * on our own origin is reduced to its path; anything else (another site, "//host", "javascript:") falls
 * back to the feed itself.
 */
export function inAppLink(link: string | null | undefined, origin: string, fallback = "/notifications"): string {
  if (!link) return fallback;
  if (link.startsWith("/") && !link.startsWith("//") && !link.startsWith("/\\")) return link;
  try {
    const url = new URL(link);
    if (url.origin === origin) return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    // not a URL at all
  }
  return fallback;
}

/** The badge on the bell: the count, "99+" above that, nothing at zero. */
export function badgeText(unread: number | undefined): string {
  if (!unread || unread <= 0) return "";
  return unread > 99 ? "99+" : String(unread);
}

/** The bell's accessible name, so that a screen reader hears the count the badge shows. */
export function bellLabel(unread: number | undefined, lang: Lang = "vi"): string {
  if (!unread) return lang === "vi" ? "Thông báo, không có thông báo chưa đọc" : "Notifications, none unread";
  return lang === "vi" ? `Thông báo, ${unread} chưa đọc` : `Notifications, ${unread} unread`;
}

/** The API's offset for a 1-based page of the feed. */
export function pageOffset(page: number, pageSize: number): number {
  return Math.max(0, Math.floor(page) - 1) * pageSize;
}
