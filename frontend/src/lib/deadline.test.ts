import { describe, expect, it } from "vitest";
import { countdown, formatDate, formatDateTime, fromVnWallClock, parseVnDate, toVnWallClock } from "./deadline";

const due = "2026-12-07T17:00:00+07:00"; // 10:00 UTC

describe("dates in Vietnam time", () => {
  it("shows dd/mm/yyyy whatever the offset of the input", () => {
    expect(formatDate(due)).toBe("07/12/2026");
    expect(formatDate("2026-12-07T17:30:00Z")).toBe("08/12/2026"); // 00:30 on the 8th in Vietnam
    expect(formatDateTime("2026-01-05T01:05:00Z")).toBe("05/01/2026 08:05");
    expect(formatDate(null)).toBe("");
  });

  it("parses dd/mm/yyyy and refuses dates that do not exist", () => {
    expect(parseVnDate("7/12/2026")).toBe("2026-12-07");
    expect(parseVnDate("29/02/2027")).toBeNull();
    expect(parseVnDate("2026-12-07")).toBeNull();
  });

  it("converts between server instants and the picker's wall clock as Vietnam time", () => {
    expect(toVnWallClock("2026-12-07T10:00:00Z")).toBe("2026-12-07T17:00");
    expect(fromVnWallClock("2026-12-07T17:00")).toBe("2026-12-07T17:00:00+07:00");
    expect(fromVnWallClock("2026-12-07")).toBe("2026-12-07T00:00:00+07:00");
    expect(new Date(fromVnWallClock(toVnWallClock(due))).getTime()).toBe(new Date(due).getTime());
  });
});

describe("countdown", () => {
  it("counts calendar days in Vietnam, not 24-hour periods", () => {
    // 23:00 on the 4th in Vietnam: the deadline is three calendar days away, though only 66 hours.
    const c = countdown(due, new Date("2026-12-04T16:00:00Z"));
    expect(c.text).toBe("còn 3 ngày");
    expect(c.tone).toBe("soon");
    expect(c.overdue).toBe(false);
  });

  it("says plenty of time plainly", () => {
    expect(countdown(due, new Date("2026-11-23T10:00:00Z"))).toMatchObject({ text: "còn 14 ngày", tone: "normal" });
  });

  it("counts hours, then minutes, on the last day", () => {
    expect(countdown(due, new Date("2026-12-07T02:00:00Z")).text).toBe("hạn hôm nay, còn 8 giờ");
    expect(countdown(due, new Date("2026-12-07T09:45:00Z")).text).toBe("hạn hôm nay, còn 15 phút");
    expect(countdown(due, new Date("2026-12-07T09:45:00Z")).tone).toBe("today");
  });

  it("says how late once the deadline has passed", () => {
    expect(countdown(due, new Date("2026-12-09T03:00:00Z"))).toMatchObject({ text: "quá hạn 2 ngày", overdue: true,
                                                                             tone: "overdue" });
    expect(countdown(due, new Date("2026-12-07T13:00:00Z")).text).toBe("quá hạn 3 giờ");
    expect(countdown(due, new Date("2026-12-07T10:00:30Z")).text).toBe("quá hạn 1 phút");
  });

  it("is the next calendar day right after midnight in Vietnam, even when UTC is still the day before", () => {
    // 00:30 on the 8th in Vietnam is 17:30 UTC on the 7th.
    expect(countdown(due, new Date("2026-12-07T17:30:00Z")).text).toBe("quá hạn 1 ngày");
  });

  it("speaks English when asked", () => {
    expect(countdown(due, new Date("2026-12-06T10:00:00Z"), "en").text).toBe("1 day left");
    expect(countdown(due, new Date("2026-12-10T10:00:00Z"), "en").text).toBe("3 days overdue");
    expect(countdown(due, new Date("2026-12-07T08:00:00Z"), "en").text).toBe("due today, 2 hours left");
  });
});
