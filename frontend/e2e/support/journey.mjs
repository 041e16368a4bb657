// What every journey spec shares: its inputs from the pytest wrapper, and steps reported one by one.
import { join } from "node:path";
import { test } from "@playwright/test";

/** The journey's inputs: EDUDX_E2E_ARGS, a JSON object keyed like the old runners' flags ("base-url", "out", …). */
export const args = JSON.parse(process.env.EDUDX_E2E_ARGS ?? "{}");
export const BASE = args["base-url"] ?? "http://127.0.0.1:8000";
export const PASSWORD = "EduDX@2025";

/**
 * `step(name, work)` runs one step of a journey as a `test.step` (named in the report and the trace). On failure
 * the page `current()` returns is saved as FAILED-<step>.png in `out`. By default a failed step ends the journey
 * (the next steps build on it); with `keepGoing` the journey goes on and `step.finish()` fails it at the end,
 * naming every failed step.
 */
export function steps({ out, current = () => null, keepGoing = false } = {}) {
  const failures = [];
  async function step(name, work) {
    try {
      await test.step(name, work);
    } catch (error) {
      const page = current();
      if (page && out) {
        await page.screenshot({ path: join(out, `FAILED-${name.replace(/[^\w-]+/g, "_")}.png`), fullPage: true })
          .catch(() => undefined);
      }
      if (!keepGoing) throw error;
      failures.push(`${name}: ${String(error?.message ?? error).split("\n")[0]}`);
    }
  }
  step.finish = () => {
    if (failures.length) throw new Error(`${failures.length} step(s) failed:\n${failures.join("\n")}`);
  };
  return step;
}
