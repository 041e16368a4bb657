import { describe, expect, it } from "vitest";
import { badgeText, bellLabel, dayGroupOf, groupByDay, inAppLink, pageOffset, relativeTime } from "./notifications";

// 10:00 on 15/12/2026 in Vietnam.
const now = new Date("2026-12-15T03:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("relative time of a notification", () => {
  it("reads in Vietnamese from seconds to a week, then as a dd/mm/yyyy date", () => {
    expect(relativeTime(ago(20_000), now)).toBe("vừa xong");
    expect(relativeTime(ago(5 * MINUTE), now)).toBe("5 phút trước");
    expect(relativeTime(ago(3 * HOUR), now)).toBe("3 giờ trước");
    expect(relativeTime("2026-12-14T15:00:00Z", now)).toBe("hôm qua"); // 22:00 yesterday, Vietnam time
    expect(relativeTime("2026-12-11T03:00:00Z", now)).toBe("4 ngày trước");
    expect(relativeTime("2026-12-01T03:00:00Z", now)).toBe("01/12/2026");
  });

  it("counts days by Vietnam's calendar, not by 24-hour periods", () => {
    // 23:30 on the 14th in Vietnam, seen at 00:30 on the 15th: one hour ago, but yesterday.
    const justAfterMidnight = new Date("2026-12-14T17:30:00Z");
    expect(relativeTime("2026-12-14T16:30:00Z", justAfterMidnight)).toBe("hôm qua");
    // 00:10 and 09:00 the same day in Vietnam although the UTC dates differ.
    expect(relativeTime("2026-12-14T17:10:00Z", now)).toBe("9 giờ trước");
  });

  it("treats a sender's clock slightly ahead as just now, and speaks English when asked", () => {
    expect(relativeTime(ago(-30_000), now)).toBe("vừa xong");
    expect(relativeTime(ago(MINUTE), now, "en")).toBe("1 minute ago");
    expect(relativeTime(ago(2 * HOUR), now, "en")).toBe("2 hours ago");
    expect(relativeTime("2026-12-14T03:00:00Z", now, "en")).toBe("yesterday");
  });
});

describe("grouping the feed by day", () => {
  it("keeps the API's order and starts a new run at each day boundary", () => {
    const items = [
      { id: "a", created_at: ago(MINUTE) },
      { id: "b", created_at: ago(9 * HOUR) },
      { id: "c", created_at: "2026-12-14T10:00:00Z" },
      { id: "d", created_at: "2026-12-10T10:00:00Z" },
      { id: "e", created_at: "2026-11-01T10:00:00Z" },
    ];
    const runs = groupByDay(items, now);
    expect(runs.map((r) => [r.group, r.items.map((i) => i.id).join("")])).toEqual([
      ["today", "ab"], ["yesterday", "c"], ["week", "d"], ["older", "e"],
    ]);
    expect(groupByDay([], now)).toEqual([]);
    expect(dayGroupOf(ago(-HOUR), now)).toBe("today");
  });
});

describe("links of feed items", () => {
  const origin = "https://edudx.vinhlong.edu.vn";

  it("opens paths of the app and full URLs of our own origin", () => {
    expect(inAppLink("/submissions/42", origin)).toBe("/submissions/42");
    expect(inAppLink(`${origin}/campaigns/7?tab=status#units`, origin)).toBe("/campaigns/7?tab=status#units");
  });

  it("never leads elsewhere: other sites, protocol-relative and script links fall back to the feed", () => {
    expect(inAppLink("https://example.org/campaigns/7", origin)).toBe("/notifications");
    expect(inAppLink("//example.org/x", origin)).toBe("/notifications");
    expect(inAppLink("/\\example.org", origin)).toBe("/notifications");
    expect(inAppLink("javascript:alert(1)", origin)).toBe("/notifications");
    expect(inAppLink(null, origin)).toBe("/notifications");
    expect(inAppLink("", origin, "/")).toBe("/");
  });
});

describe("bell and pages", () => {
  it("shows the unread count, capped, and says it to screen readers", () => {
    expect(badgeText(undefined)).toBe("");
    expect(badgeText(0)).toBe("");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(100)).toBe("99+");
    expect(bellLabel(3)).toBe("Thông báo, 3 chưa đọc");
    expect(bellLabel(0)).toBe("Thông báo, không có thông báo chưa đọc");
    expect(bellLabel(2, "en")).toBe("Notifications, 2 unread");
  });

  it("turns 1-based pages into the API's offsets", () => {
    expect(pageOffset(1, 20)).toBe(0);
    expect(pageOffset(3, 20)).toBe(40);
    expect(pageOffset(0, 20)).toBe(0);
  });
});
