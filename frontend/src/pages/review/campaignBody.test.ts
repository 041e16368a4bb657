import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { toCampaignBody } from "./CampaignWizardPage";

const values = {
  title: "  Kế hoạch CNTT 2026-2027 ", kind: "annual_plan" as const, school_year_id: "y", rubric_id: "r1",
  opens_at: dayjs("2026-12-01T07:00"), due_at: dayjs("2026-12-21T17:00"), late_policy: "accept_late" as const,
  late_until: dayjs("2026-12-28T17:00"), two_level_review: false, unit_types: ["school"], education_levels: ["thcs"],
};

describe("toCampaignBody", () => {
  it("sends Vietnam wall-clock times, the rubric and the late cut-off", () => {
    const body = toCampaignBody(values);
    expect(body.title).toBe("Kế hoạch CNTT 2026-2027");
    expect(body.due_at).toBe("2026-12-21T17:00:00+07:00");
    expect(body.late_until).toBe("2026-12-28T17:00:00+07:00");
    expect(body.rubric_id).toBe("r1");
    expect(body.targets).toEqual({ unit_types: ["school"], education_levels: ["thcs"], unit_ids: null });
  });
  it("drops the cut-off when late reports are refused", () => {
    expect(toCampaignBody({ ...values, late_policy: "hard_cutoff" }).late_until).toBeNull();
  });
  it("sends the chosen units when the admin included or excluded some", () => {
    expect(toCampaignBody(values, ["a", "b", "c"]).targets.unit_ids).toEqual(["a", "b", "c"]);
  });
});
