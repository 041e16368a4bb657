// The browser suite: @playwright/test driving Debian's Chromium (/usr/bin/chromium, or $CHROMIUM; never a
// downloaded browser), one spec per journey under journeys/, each reported on its own (list on the console,
// JSON for the pytest wrappers in tests/e2e/), a trace kept for every journey that failed
// (`npx playwright show-trace <results>/artifacts/…/trace.zip`).
//
// The journeys run against a running EduDX: the pytest wrappers start the real system and pass its address
// and the journey's inputs in EDUDX_E2E_ARGS (JSON, see support/args.mjs). By hand:
//
//   EDUDX_E2E_ARGS='{"base-url": "http://127.0.0.1:8000", "out": "../var/screenshots"}' \
//     npx playwright test -c e2e/playwright.config.mjs api-docs
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

const here = dirname(fileURLToPath(import.meta.url));
const results = process.env.EDUDX_E2E_RESULTS ?? resolve(here, "../../var/e2e-results");

export default defineConfig({
  testDir: "./journeys",
  testMatch: "*.spec.mjs",
  outputDir: resolve(results, "artifacts"),
  // The journeys share one running system and its data: one at a time, in file order, none retried.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  // A journey is one test of many steps (test.step): about 3 min for the main one on an idle machine, 15 on a
  // shared one under heavy load, while recording its trace.
  timeout: Number(process.env.EDUDX_E2E_TIMEOUT_MS ?? 1_800_000),
  reporter: [["list"], ["json", { outputFile: resolve(results, "report.json") }]],
  use: {
    browserName: "chromium",
    headless: true,
    // Kept only for a journey that failed; DOM snapshots and the action log, no screencast (cheaper to record).
    trace: { mode: "retain-on-failure", screenshots: false, snapshots: true, sources: true },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
    },
  },
});
