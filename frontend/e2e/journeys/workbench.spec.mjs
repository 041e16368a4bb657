// The reviewer's workbench (was frontend/e2e/workbench.mjs), under @playwright/test against a running EduDX
// whose campaign has N submitted reports waiting (prepared by tests/e2e/test_spa_workbench.py; inputs in
// EDUDX_E2E_ARGS: base-url, campaign-id, reports, guarded, publisher, out).
//
// The Sở reviewer opens the campaign's board, tab "Chờ thẩm định": a bulk return of 5 schools is undone within
// its 10 s window, then done (per-school outcomes shown); a bulk approval of 10 more; then the reviewer clears the
// rest one report at a time, "Phê duyệt…" then the confirmation, each decision opening the next report. The school
// with an evidence item not yet looked at is refused with the reason, then approved once the item is marked.
// Approvals accept the schools' self-scores where no review score was given (the confirmation's checkbox).
// Then the publisher (a Sở admin) opens the results and publishes: the confirmation's warning, its counts and the
// schools named in each list are written to <out>/publish-warning.json for the test to check against the
// campaign's state; the results are then published.
// Screens are saved at 1366 px and 375 px (no sideways overflow at 375 px). A failed step is reported and the
// journey goes on (as the old runner did); the journey fails at the end naming every failed step.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "@playwright/test";
import { args, BASE, PASSWORD, steps } from "../support/journey.mjs";
import { signIn } from "../support/sign-in.mjs";

const OUT = args.out ?? "screenshots";
const CAMPAIGN = args["campaign-id"];
const REPORTS = Number(args.reports ?? 30);
const GUARDED = args.guarded;
const PUBLISHER = args.publisher;
const REVIEWER = "thamdinh.so@vinhlong.edu.vn";
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 375, height: 812 };
mkdirSync(OUT, { recursive: true });

let page;

const step = steps({ out: OUT, current: () => page, keepGoing: true });

async function shoot(name) {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.screenshot({ path: join(OUT, `${name}-1366.png`) });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(OUT, `${name}-375.png`) });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(200);
  if (overflow > 2) throw new Error(`${name}: the page is ${overflow}px wider than a 375px phone screen`);
}

const waitingTab = () => page.getByRole("tab", { name: "Chờ thẩm định" });
const rows = () => page.locator(".units-card .ant-table-tbody tr.ant-table-row");

const signInAs = (email) => signIn(page, BASE, email, PASSWORD);

async function openWaiting() {
  await page.goto(`${BASE}/campaigns/${CAMPAIGN}`);
  await waitingTab().click();
  await page.waitForLoadState("networkidle").catch(() => undefined);
}

async function select(n) {
  for (let i = 0; i < n; i += 1) await rows().nth(i).locator("input[type=checkbox]").check();
}

async function bulk(label, fill) {
  await page.locator(".bulk-bar").getByRole("button", { name: `${label}…` }).click();
  const dialog = page.getByRole("dialog").filter({ hasText: label });
  if (fill) await fill(dialog);
  await dialog.getByRole("button", { name: "Xác nhận" }).click();
  await page.getByRole("button", { name: "Hoàn tác" }).waitFor();
}

test("reviewer's workbench: a queue of reports cleared", async ({ browser }) => {
  const context = await browser.newContext({ viewport: DESKTOP, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh" });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await signInAs(REVIEWER);

  await step("the board's queue lists every waiting report, sortable, with page sizes", async () => {
    await openWaiting();
    await rows().nth(24).waitFor();
    await page.locator(".ant-pagination-options .ant-select").click();
    await page.getByTitle("50 / trang").click();
    await rows().nth(REPORTS - 1).waitFor();
    if ((await rows().count()) !== REPORTS) throw new Error(`expected ${REPORTS} waiting reports, saw ${await rows().count()}`);
    await page.getByRole("columnheader", { name: /Tự chấm/ }).click(); // a server-side sort
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shoot("w1-queue");
  });

  await step("a bulk return is undone within its window: nothing happens", async () => {
    await select(5);
    await page.locator(".bulk-bar").getByText("Đã chọn 5 trường").waitFor();
    await shoot("w2-selection");
    await bulk("Trả lại", (dialog) => dialog.getByLabel("Nhận xét chung gửi các trường").fill("Bổ sung minh chứng mục 3."));
    await page.getByRole("button", { name: "Hoàn tác" }).click();
    await page.getByText("Đã hoàn tác: không trường nào bị ảnh hưởng.").waitFor();
    await page.waitForTimeout(12_000); // past the window: the cancelled action never runs
    await openWaiting();
    await rows().nth(24).waitFor();
    const total = await page.locator(".ant-pagination").getByRole("listitem", { name: "2" }).count();
    if (!total) throw new Error("the undone return changed the queue");
  });

  await step("bulk action 1: return 5 schools with a shared comment; each school's outcome shown", async () => {
    await select(5);
    await bulk("Trả lại", (dialog) => dialog.getByLabel("Nhận xét chung gửi các trường").fill("Bổ sung minh chứng mục 3."));
    await shoot("w3-undo-toast");
    const results = page.getByRole("dialog", { name: /kết quả từng trường/ });
    await results.waitFor({ timeout: 40_000 });
    if ((await results.getByText("Đã thực hiện").count()) !== 5) throw new Error("not every school was returned");
    await shoot("w4-bulk-results");
    await results.locator(".ant-modal-footer").getByRole("button", { name: "Đóng" }).click();
  });

  await step("bulk action 2: approve 10 schools that pass the checks", async () => {
    await openWaiting();
    const left = REPORTS - 5;
    await rows().nth(left - 1).waitFor();
    // the guarded school (evidence not looked at) is left for the one-by-one pass
    let chosen = 0;
    for (let i = 0; chosen < 10 && i < left; i += 1) {
      const row = rows().nth(i);
      if (GUARDED && (await row.textContent()).includes(GUARDED)) continue;
      await row.locator("input[type=checkbox]").check();
      chosen += 1;
    }
    await bulk("Phê duyệt", (dialog) => dialog.getByRole("checkbox", { name: /Chấp nhận điểm tự chấm/ }).check());
    const results = page.getByRole("dialog", { name: /kết quả từng trường/ });
    await results.waitFor({ timeout: 40_000 });
    if ((await results.getByText("Đã thực hiện").count()) !== 10) throw new Error("not every school was approved");
    await results.locator(".ant-modal-footer").getByRole("button", { name: "Đóng" }).click();
  });

  let cleared = 0;
  await step("the reviewer clears the rest of the queue with “next”; a guard refuses one approval with its reason", async () => {
    await openWaiting();
    const left = REPORTS - 15;
    await rows().nth(left - 1).waitFor();
    await rows().first().getByRole("link").first().click();
    for (let i = 0; i < left; i += 1) {
      await page.getByRole("button", { name: "Phê duyệt…" }).waitFor();
      await page.getByRole("button", { name: "Phê duyệt…" }).click();
      const dialog = page.getByRole("dialog", { name: "Xác nhận phê duyệt" });
      await dialog.getByText("Phê duyệt báo cáo của").waitFor();
      // no review score was given: the reviewer accepts the self-scores, and that reason goes away
      const accept = dialog.getByRole("checkbox", { name: /Chấp nhận điểm tự chấm/ });
      if ((await accept.count()) && !(await accept.isChecked())) await accept.check();
      await dialog.locator(".guard-reasons li", { hasText: "chưa có điểm thẩm định" }).waitFor({ state: "hidden" });
      if (await dialog.getByText("Chưa phê duyệt được:").count()) {
        await dialog.getByText(/minh chứng chưa được xem xét/).waitFor();
        await shoot("w5-approve-refused-by-guard");
        await dialog.getByRole("button", { name: "Huỷ" }).click();
        await dialog.waitFor({ state: "hidden" });
        await page.locator(".review-layout").getByRole("button", { name: "Đạt", exact: true }).first().click();
        await page.waitForTimeout(500);
        await page.getByRole("button", { name: "Phê duyệt…" }).click();
        if ((await accept.count()) && !(await accept.isChecked())) await accept.check();
        await dialog.getByText("Chưa phê duyệt được:").waitFor({ state: "hidden" });
      }
      if (i === 0) await shoot("w6-approve-confirmation");
      const before = page.url();
      await dialog.getByRole("button", { name: "Phê duyệt", exact: true }).click();
      await page.getByText("Đã phê duyệt báo cáo.").first().waitFor();
      cleared += 1;
      if (i < left - 1) await page.waitForURL((url) => url.href !== before, { timeout: 20_000 });
    }
    await page.getByText("Đã hết báo cáo chờ thẩm định.").first().waitFor();
  });

  await step("the queue is empty", async () => {
    await openWaiting();
    await page.locator(".units-card .ant-empty").first().waitFor();
    if ((await rows().count()) !== 0) throw new Error("reports are still waiting");
    await shoot("w7-queue-cleared");
  });
  console.log(`cleared ${cleared} one by one`);

  await step("the publisher publishes: the warning counts and names the unscored, unapproved and late schools", async () => {
    if (!PUBLISHER) throw new Error("--publisher is required");
    await context.clearCookies();
    await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
    await signInAs(PUBLISHER);
    await page.goto(`${BASE}/campaigns/${CAMPAIGN}/results`);
    await page.getByRole("button", { name: "Công bố kết quả" }).click();
    const dialog = page.getByRole("dialog").filter({ hasText: "Công bố kết quả?" });
    const warning = dialog.getByTestId("publish-warning");
    await warning.waitFor();
    const lists = { unscored: "Chưa thẩm định đủ tiêu chí", unapproved: "Chưa được phê duyệt", late: "Nộp muộn hoặc quá hạn" };
    const counts = {};
    const names = {};
    for (const [key, title] of Object.entries(lists)) {
      const item = warning.locator(".ant-collapse-item").filter({ has: page.locator(".ant-collapse-header", { hasText: title }) });
      if (!(await item.count())) { counts[key] = 0; names[key] = []; continue; }
      const header = item.locator(".ant-collapse-header");
      counts[key] = Number((await header.textContent()).split(":").pop().trim());
      if (!(await item.getAttribute("class")).includes("ant-collapse-item-active")) await header.click();
      const entries = item.locator(".ant-list-item strong");
      await entries.first().waitFor();
      names[key] = await entries.allTextContents();
    }
    const text = (await warning.locator(".ant-alert").textContent()) ?? "";
    writeFileSync(join(OUT, "publish-warning.json"), JSON.stringify({ warning: text, counts, names }, null, 2));
    await shoot("w8-publish-warning");
    await dialog.getByRole("button", { name: "Công bố", exact: true }).click();
    await page.getByText("Đã công bố kết quả.").first().waitFor();
    await page.getByText("Đã công bố", { exact: false }).first().waitFor();
    await shoot("w9-results-published");
  });
  step.finish();
});
