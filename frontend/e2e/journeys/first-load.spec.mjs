// First load of the SPA on a throttled 4G link (was frontend/e2e/first-load.mjs), in Debian's Chromium under
// @playwright/test: bytes on the wire (every response's encoded size, headers included, as Chromium's network
// stack received it) and the time until the screen is usable, for the login page (a visitor) and the school
// dashboard (a signed-in school user whose browser cache is empty). Used by bench/spa_first_load.py; inputs in
// EDUDX_E2E_ARGS: base-url, email, runs (3), result (a file that receives one JSON object).
//
// Profile (Chromium DevTools protocol, Network.emulateNetworkConditions): 1.6 Mbps down, 750 kbps up, 150 ms RTT.
// Also measured once with `Accept-Encoding: identity` (what the gateway sent before it served compressed files).
import { writeFileSync } from "node:fs";
import { test } from "@playwright/test";
import { args, BASE } from "../support/journey.mjs";

const EMAIL = args.email ?? "cntt.hoabinh@vinhlong.edu.vn";
const RUNS = Number(args.runs ?? 3);
const PROFILE = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) };

/** The worker's browser (the fixture), set when the measurement starts. */
let browser = null;

/** Load `path` in `page` under the 4G profile with an empty cache; resolves when `usable(page)` resolves. */
async function measure(context, page, path, usable, { identity = false } = {}) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", PROFILE);
  if (identity) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "identity" } });
  const urls = new Map();
  const bytes = new Map();
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
  cdp.on("Network.loadingFinished", (e) => bytes.set(e.requestId, e.encodedDataLength));
  const started = Date.now();
  await page.goto(`${BASE}${path}`, { waitUntil: "commit" });
  await usable(page);
  const usableMs = Date.now() - started;
  await page.waitForLoadState("networkidle");
  const files = [...bytes].map(([id, size]) => ({ url: new URL(urls.get(id)).pathname, bytes: size }));
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await cdp.detach();
  return { usableMs, wireBytes: files.reduce((sum, f) => sum + f.bytes, 0), requests: files.length, files };
}

const loginUsable = (page) => page.getByRole("button", { name: "Đăng nhập" }).waitFor({ state: "visible", timeout: 60_000 })
  .then(() => page.getByLabel("Thư điện tử").waitFor({ state: "visible" }));
const dashboardUsable = (page) => page.locator(".campaign-card").first().waitFor({ state: "visible", timeout: 60_000 });

async function loginPage(options) {
  const context = await browser.newContext({ locale: "vi-VN" });
  const page = await context.newPage();
  try {
    return await measure(context, page, "/login", loginUsable, options);
  } finally {
    await context.close();
  }
}

async function schoolDashboard(options) {
  const context = await browser.newContext({ locale: "vi-VN" });
  const page = await context.newPage();
  try {
    // Signed in first (unthrottled); the measured load starts from an empty cache with the session kept.
    await page.goto(`${BASE}/login`);
    await page.getByLabel("Thư điện tử").fill(EMAIL);
    await page.getByLabel("Mật khẩu").fill("EduDX@2025");
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await dashboardUsable(page);
    return await measure(context, page, "/", dashboardUsable, options);
  } finally {
    await context.close();
  }
}

test("first load on 4G: login page and school dashboard", async ({ browser: launched }) => {
  browser = launched;
  const result = { profile: PROFILE, runs: RUNS, login: [], dashboard: [], uncompressed: {} };
  try {
    for (let i = 0; i < RUNS; i++) {
      result.login.push(await loginPage());
      result.dashboard.push(await schoolDashboard());
    }
    result.uncompressed.login = await loginPage({ identity: true });
    result.uncompressed.dashboard = await schoolDashboard({ identity: true });
  } catch (error) {
    result.error = String(error);
  }

  if (args.result) writeFileSync(args.result, JSON.stringify(result));
  if (result.error) throw new Error(result.error);
});
