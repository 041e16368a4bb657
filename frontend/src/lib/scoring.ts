// The self-scoring table's arithmetic while the school types: points on the rubric's step, group and overall
// running totals, and the class the bands give. The server computes the figures that count (the sheet it
// returns after a save); this only keeps the table honest between two saves.
import type { ScoringComponents } from "../api/generated";
import { asApiError } from "../api/problem";

type S = ScoringComponents["schemas"];
export type RubricDefinition = S["RubricDefinition"];
export type Criterion = S["Criterion"];
export type Band = S["Band"];

/** What the school entered for one criterion, as the table holds it. */
export interface Entry {
  points?: number | null;
  passed?: boolean | null;
  item_codes?: string[] | null;
  level_code?: string | null;
  note?: string | null;
}

export const DEFAULT_STEP = 0.25;

/** The step a criterion is scored on: its own, else the rubric's, else 0.25. */
export function stepOf(criterion: Criterion, definition?: Pick<RubricDefinition, "step">): number {
  return criterion.step ?? definition?.step ?? DEFAULT_STEP;
}

const EPS = 1e-9;

/** Parse what was typed ("2,5" or "2.5"); null when empty, NaN when not a number. */
export function parsePoints(text: string): number | null {
  const cleaned = text.trim().replace(",", ".");
  if (!cleaned) return null;
  return /^-?\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

/** The nearest multiple of the step, kept within 0 … max. */
export function roundToStep(value: number, step: number, max: number): number {
  const rounded = Math.round(value / step) * step;
  return Math.min(Math.max(0, Number(rounded.toFixed(4))), max);
}

/** Why the points are not acceptable (Vietnamese and English), or null when they are. */
export function pointsProblem(value: number | null, step: number, max: number): [string, string] | null {
  if (value === null) return null;
  if (Number.isNaN(value)) return ["Nhập một số, ví dụ 2,5", "Enter a number, e.g. 2.5"];
  if (value < 0) return ["Điểm không được âm", "Points cannot be negative"];
  if (value > max + EPS) return [`Tối đa ${formatPoints(max)} điểm`, `At most ${formatPoints(max)} points`];
  const ratio = value / step;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-6)
    return [`Điểm chấm theo bước ${formatPoints(step)} (ví dụ ${formatPoints(roundToStep(value, step, max))})`,
      `Points go in steps of ${formatPoints(step)} (e.g. ${formatPoints(roundToStep(value, step, max))})`];
  return null;
}

/** "2,5" in Vietnamese, up to two decimals, no trailing zeros. */
export function formatPoints(value: number | null | undefined, lang: "vi" | "en" = "vi"): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const text = String(Number(value.toFixed(2)));
  return lang === "vi" ? text.replace(".", ",") : text;
}

/** The points an entry earns on its criterion (mandatory conditions earn none). */
export function entryPoints(criterion: Criterion, entry: Entry | undefined): number {
  if (!entry) return 0;
  switch (criterion.kind ?? "points") {
    case "points":
      return typeof entry.points === "number" && !Number.isNaN(entry.points) ? entry.points : 0;
    case "blocks":
      return (criterion.items ?? []).filter((i) => entry.item_codes?.includes(i.code)).reduce((sum, i) => sum + i.points, 0);
    case "levels":
      return (criterion.items ?? []).find((i) => i.code === entry.level_code)?.points ?? 0;
    default:
      return 0;
  }
}

/** Whether an entry says anything at all (so that it is worth sending). */
export function isScored(criterion: Criterion, entry: Entry | undefined): boolean {
  if (!entry) return false;
  switch (criterion.kind ?? "points") {
    case "points":
      return typeof entry.points === "number";
    case "blocks":
      return Array.isArray(entry.item_codes);
    case "levels":
      return !!entry.level_code;
    default:
      return typeof entry.passed === "boolean";
  }
}

/** Running totals: per group and overall. */
export function runningTotals(definition: RubricDefinition, entries: Record<string, Entry>): { groups: Record<string, number>; total: number } {
  const groups: Record<string, number> = {};
  let total = 0;
  for (const group of definition.groups) {
    const sum = group.criteria.reduce((acc, c) => acc + entryPoints(c, entries[c.code]), 0);
    groups[group.code] = Number(sum.toFixed(4));
    total += sum;
  }
  return { groups, total: Number(total.toFixed(4)) };
}

function inBand(band: Band, value: number): boolean {
  const aboveMin = band.min === null || band.min === undefined || (band.min_inclusive === false ? value > band.min + EPS : value >= band.min - EPS);
  const belowMax = band.max === null || band.max === undefined || (band.max_inclusive === false ? value < band.max - EPS : value <= band.max + EPS);
  return aboveMin && belowMax;
}

/** The label of the band a total falls in ("Tốt" for 85 with the seed-004 bands), null when none. */
export function classFor(bands: Band[] | undefined, total: number): string | null {
  return (bands ?? []).find((band) => inBand(band, total))?.label ?? null;
}

/** Per-criterion messages from a refused save: `evidence_required` names the criterion, `invalid_scores` lists entries. */
export function rowErrors(error: unknown, sent: string[]): Record<string, string> {
  if (!error) return {};
  const { problem } = asApiError(error);
  const out: Record<string, string> = {};
  for (const e of problem.errors ?? []) {
    const index = /scores\[(\d+)\]/.exec(e.field)?.[1];
    const code = index !== undefined ? sent[Number(index)] : undefined;
    if (code) out[code] = e.message;
  }
  if (problem.code === "evidence_required" && Object.keys(out).length === 0) {
    const code = /Tiêu chí (\S+?)[: ]/.exec(problem.detail ?? "")?.[1];
    if (code) out[code] = problem.detail ?? problem.title;
  }
  return out;
}
