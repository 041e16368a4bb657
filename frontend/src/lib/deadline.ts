// Deadlines and dates as Vietnamese schools read them: Vietnam time (Asia/Ho_Chi_Minh, UTC+7 all year,
// whatever the browser's own time zone), dates dd/mm/yyyy, and a countdown in calendar days
// ("còn 3 ngày", "quá hạn 2 ngày"), in hours on the last day.

export type Lang = "vi" | "en";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Vietnam has kept UTC+7 without daylight saving since 1975. */
const VN_OFFSET = 7 * HOUR;

export type Tone = "normal" | "soon" | "today" | "overdue";

export interface Countdown {
  overdue: boolean;
  /** Calendar days (Vietnam time) between today and the deadline's day; 0 on the day itself. */
  days: number;
  /** Whole hours left (or past), for the last day. */
  hours: number;
  minutes: number;
  tone: Tone;
  text: string;
}

function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/** The wall-clock fields of an instant in Vietnam. */
export function vnParts(value: string | Date) {
  const shifted = new Date(toDate(value).getTime() + VN_OFFSET);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
  };
}

const two = (n: number) => String(n).padStart(2, "0");

/** "07/12/2026" */
export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return "";
  const p = vnParts(value);
  return `${two(p.day)}/${two(p.month)}/${p.year}`;
}

/** "07/12/2026 17:00" */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return "";
  const p = vnParts(value);
  return `${two(p.day)}/${two(p.month)}/${p.year} ${two(p.hour)}:${two(p.minute)}`;
}

function vnDayNumber(value: Date): number {
  return Math.floor((value.getTime() + VN_OFFSET) / DAY);
}

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** How long until (or since) a deadline, counted in Vietnam's calendar days. */
export function countdown(due: string | Date, now: Date = new Date(), lang: Lang = "vi"): Countdown {
  const dueDate = toDate(due);
  const diff = dueDate.getTime() - now.getTime();
  const overdue = diff < 0;
  const span = Math.abs(diff);
  const days = Math.abs(vnDayNumber(dueDate) - vnDayNumber(now));
  const hours = Math.floor(span / HOUR);
  const minutes = Math.max(1, Math.floor(span / 60_000));
  let text: string;
  let tone: Tone;
  if (overdue) {
    tone = "overdue";
    if (days >= 1) text = lang === "vi" ? `quá hạn ${days} ngày` : `${plural(days, "day", "days")} overdue`;
    else if (hours >= 1) text = lang === "vi" ? `quá hạn ${hours} giờ` : `${plural(hours, "hour", "hours")} overdue`;
    else text = lang === "vi" ? `quá hạn ${minutes} phút` : `${plural(minutes, "minute", "minutes")} overdue`;
  } else if (days >= 1) {
    tone = days <= 3 ? "soon" : "normal";
    text = lang === "vi" ? `còn ${days} ngày` : `${plural(days, "day", "days")} left`;
  } else {
    tone = "today";
    if (hours >= 1) text = lang === "vi" ? `hạn hôm nay, còn ${hours} giờ` : `due today, ${plural(hours, "hour", "hours")} left`;
    else text = lang === "vi" ? `hạn hôm nay, còn ${minutes} phút` : `due today, ${plural(minutes, "minute", "minutes")} left`;
  }
  return { overdue, days, hours, minutes, tone, text };
}

/**
 * A date picker shows the browser's wall clock; deadlines are Vietnam's. These two convert between the
 * instant the server speaks ("2026-12-07T17:00:00+07:00") and the wall-clock text the picker holds
 * ("2026-12-07T17:00"), so a reviewer abroad still sets 17:00 Vietnam time.
 */
export function toVnWallClock(value: string | Date): string {
  const p = vnParts(value);
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

export function fromVnWallClock(wallClock: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(wallClock);
  if (!match) throw new Error(`not a date: ${wallClock}`);
  const [, y, m, d, hh = "00", mm = "00"] = match;
  return `${y}-${m}-${d}T${hh}:${mm}:00+07:00`;
}

/** A date typed dd/mm/yyyy (or d/m/yyyy) as ISO yyyy-mm-dd, or null when it is no real date. */
export function parseVnDate(text: string): string | null {
  const match = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return `${year}-${two(month)}-${two(day)}`;
}
