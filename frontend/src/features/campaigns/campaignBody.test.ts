import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { toCampaignBody } from "./CampaignWizardPage";

const values = {
  title: "  Kế hoạch CNTT 2026-2027 ", kind: "annual_plan" as const, school_year_id: "y", rubric_id: "r1",
  opens_at: dayjs("2026-12-01T07:00"), due_at: dayjs("2026-12-21T17:00"), late_policy: "accept_late" as const,
  late_until: dayjs("2026-12-28T17:00"), two_level_review: false, unit_types: ["school" as const], education_levels: ["thcs"],
};

describe("toCampaignBody", () => {
  it("sends Vietnam wall-clock times, the rubric and the late cut-off", () => {
    const body = toCampaignBody(values);
    expect(body.title).toBe("Kế hoạch CNTT 2026-2027");
    expect(body.due_at).toBe("2026-12-21T17:00:00+07:00");
    expect(body.late_until).toBe("2026-12-28T17:00:00+07:00");
    expect(body.rubric_id).toBe("r1");
    expect(body.targets).toEqual({ unit_types: ["school"], education_levels: ["thcs"], commune_ids: [], cluster_ids: [], unit_ids: null, exclude_unit_ids: [] });
  });
  it("drops the cut-off when late reports are refused", () => {
    expect(toCampaignBody({ ...values, late_policy: "hard_cutoff" }).late_until).toBeNull();
  });
  it("narrows the rule to communes and clusters and leaves the excluded units out of it", () => {
    const body = toCampaignBody({ ...values, commune_ids: ["x1"], cluster_ids: ["c1", "c2"] }, { unit_ids: null, exclude_unit_ids: ["s9"] });
    expect(body.targets).toEqual({ unit_types: ["school"], education_levels: ["thcs"], commune_ids: ["x1"], cluster_ids: ["c1", "c2"], unit_ids: null, exclude_unit_ids: ["s9"] });
  });
  it("sends the chosen units when the admin added some, still less the excluded ones", () => {
    const targets = toCampaignBody(values, { unit_ids: ["a", "b", "c"], exclude_unit_ids: ["b"] }).targets;
    expect(targets.unit_ids).toEqual(["a", "b", "c"]);
    expect(targets.exclude_unit_ids).toEqual(["b"]);
  });
});
