// Accessibility and phone layout of the main screens (was frontend/e2e/a11y.mjs), under @playwright/test with
// axe-core, against a running EduDX (started by tests/e2e/test_spa_a11y.py). One test per phase, chosen with
// --grep: "phase school" (inputs in EDUDX_E2E_ARGS: submission-id, the officer's draft), "phase authority"
// (submission-id of a submitted report, campaign-id, published-title), "phase integrations" (the integration
// clients screen alone), "phase clusters" (cluster-code, cluster-name, school-search, school-names "a|b", optionally
// last-year-campaign-id and last-year-school); every phase also reads base-url, out and report.
//
// Every screen is checked at 1366 px and 375 px wide: axe-core's rules (WCAG 2.1 A/AA and best practices)
// with no critical and no serious violation, nothing wider than the phone screen, touch targets of at least
// 44 px and inputs with 16 px text on the phone. A screenshot of each width is kept. Each screen is a step;
// a screen with problems fails its step and the phase goes on, then fails at the end naming them. The phase
// "authority" also publishes, through the wizard, a campaign with a rubric to 3 chosen schools after the
// confirmation (the caller checks the result through the API). `report` receives every finding as JSON.
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "@playwright/test";
import { args, BASE, PASSWORD } from "../support/journey.mjs";

const OUT = args.out ?? "screenshots/a11y";
const OFFICER = "cntt.hoabinh@vinhlong.edu.vn";
const SO_ADMIN = "cntt.so@vinhlong.edu.vn";
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 375, height: 812 };
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BLOCKING = new Set(["critical", "serious"]);
mkdirSync(OUT, { recursive: true });

/** The worker's browser (the fixture), set when a phase starts. */
let browser = null;

const findings = [];

/** axe-core on the page as it is now: the blocking violations, each with a few of its elements. */
async function axe(page) {
  // The CSP (script-src self) would refuse an injected script: the contexts bypass it for axe only.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const run = await window.axe.run(document, { resultTypes: ["violations"] });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")} — ${n.failureSummary?.split("\n").slice(1, 2).join(" ")}`) }));
  });
  return result.filter((v) => BLOCKING.has(v.impact));
}

/** What a phone user meets: overflow past 375 px, controls smaller than 44 px, inputs that make iOS zoom. */
async function phoneProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 2) problems.push(`the page is ${overflow}px wider than the screen`);
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && !el.closest("[aria-hidden='true'], .ant-select-dropdown-hidden");
    };
    const describe = (el) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : ""} "${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 30)}"`;
    // The box a finger hits: the control's own box, or the label or wrapper that carries its click.
    const hitBox = (el) => (el.closest("label, .ant-radio-wrapper, .ant-checkbox-wrapper, .ant-tabs-tab") ?? el).getBoundingClientRect();
    const small = [];
    // Switches keep their look; styles.css gives them an invisible 44 px hit area (a pseudo-element, which no
    // bounding box shows), so they are not measured here.
    for (const el of document.querySelectorAll("button:not([role='switch']), a.ant-btn, [role='button'].ant-btn, input[type='radio'], input[type='checkbox'], [role='tab']")) {
      if (!visible(el) && !(el.matches("input") && visible(el.parentElement))) continue;
      const box = hitBox(el);
      if (box.width < 1 || box.height < 1) continue;
      if (el.closest(".ant-pagination, .ant-picker-panel, .ant-table-column-sorters, .ant-input-suffix, .ant-input-clear-icon, .ant-picker-clear, .ant-select-clear, .ant-tag")) continue;
      if (Math.min(box.height, box.width) < 43.5) small.push(`${describe(el)} ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
    if (small.length) problems.push(`touch targets under 44px: ${small.slice(0, 5).join("; ")}${small.length > 5 ? ` (+${small.length - 5})` : ""}`);
    const tiny = [];
    for (const el of document.querySelectorAll("input:not([type='radio']):not([type='checkbox']):not([type='file']):not([type='hidden']), textarea, select")) {
      if (!visible(el) && !el.closest(".ant-select")) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 16) tiny.push(`${describe(el)} ${size}px`);
    }
    if (tiny.length) problems.push(`inputs under 16px (iPhones zoom): ${tiny.slice(0, 5).join("; ")}`);
    return problems;
  });
}

/** One screen at both widths: axe at each, the phone checks at 375 px, a screenshot of each. */
async function check(page, name, { ready, fullPage = true } = {}) {
  const problems = [];
  try {
    await test.step(name, async () => {
      try {
        for (const [label, size] of [["desktop", DESKTOP], ["375", PHONE]]) {
          await page.setViewportSize(size);
          await page.waitForTimeout(300);
          if (ready) await ready(page);
          await page.waitForLoadState("networkidle").catch(() => undefined);
          await page.screenshot({ path: join(OUT, `${name}-${label}.png`), fullPage });
          for (const v of await axe(page)) problems.push(`${label}: axe ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(" | ")}`);
          if (size === PHONE) for (const p of await phoneProblems(page)) problems.push(`375: ${p}`);
        }
      } catch (error) {
        problems.push(String(error?.stack ?? error).split("\n").slice(0, 4).join(" "));
      }
      await page.setViewportSize(DESKTOP);
      if (problems.length) throw new Error(`${name}\n  ${problems.join("\n  ")}`);
    });
  } catch {
    // the step failed with its problems; they are in `findings` and the phase goes on
  }
  findings.push({ screen: name, problems });
}

async function session(email) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh", bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${BASE}/login`);
  await page.getByLabel("Thư điện tử").fill(email);
  await page.getByLabel("Mật khẩu").fill(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  return page;
}

const visibleText = (text) => (page) => page.getByText(text).first().waitFor();

async function schoolPhase() {
  const context = await browser.newContext({ viewport: DESKTOP, locale: "vi-VN", bypassCSP: true });
  const anonymous = await context.newPage();
  await anonymous.goto(`${BASE}/login`);
  await check(anonymous, "a11y-01-login", { ready: (p) => p.getByLabel("Thư điện tử").waitFor() });
  await context.close();

  const page = await session(OFFICER);
  await page.goto(`${BASE}/`);
  await check(page, "a11y-02-school-dashboard", { ready: (p) => p.locator(".campaign-card").first().waitFor() });
  await page.goto(`${BASE}/submissions/${args["submission-id"]}`);
  await check(page, "a11y-03-report-editor", { ready: (p) => p.locator(".section-card").first().waitFor() });
  await page.getByRole("tab", { name: "Tự chấm điểm" }).click();
  await check(page, "a11y-04-self-scoring", { ready: (p) => p.locator(".score-table").first().waitFor() });
  await page.goto(`${BASE}/account`);
  await check(page, "a11y-05-account-school", { ready: visibleText("Lịch hạn nộp") });
  await page.goto(`${BASE}/notifications`);
  await check(page, "a11y-06-notifications-school", { ready: (p) => p.locator("h1").first().waitFor() });
}

/** The QĐ 4725 preset filling the wizard's first step (then left unsaved). */
async function wizardPreset(page) {
  await page.goto(`${BASE}/campaigns/new`);
  await page.getByRole("button", { name: "Dùng mẫu QĐ 4725" }).click();
  await check(page, "a11y-09b-wizard-preset", { ready: (p) => p.getByTestId("preset-applied").waitFor() });
  const title = await page.getByLabel("Tiêu đề").inputValue();
  if (!title.startsWith("Tự đánh giá mức độ chuyển đổi số năm học")) throw new Error(`preset title not filled: ${title}`);
}

async function publishThroughWizard(page, title) {
  await page.goto(`${BASE}/campaigns/new`);
  await page.getByLabel("Tiêu đề").fill(title);
  await page.getByLabel("Căn cứ (công văn)").fill("Công văn 1234/SGDĐT-CNTT ngày 01/12/2026");
  await check(page, "a11y-09-wizard-general", { ready: (p) => p.getByLabel("Tiêu đề").waitFor() });
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  await check(page, "a11y-10-wizard-outline", { ready: (p) => p.locator(".outline-preview .outline-sections li").first().waitFor() });
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  await page.getByText(/^Tiêu chuẩn đánh giá nhiệm vụ công nghệ thông tin/).click();
  await check(page, "a11y-11-wizard-rubric", { ready: visibleText("Số tiêu chí") });
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  for (const [name, value] of [["Mở từ (giờ Việt Nam)", "01/12/2026 07:00"], ["Hạn nộp (giờ Việt Nam)", "21/12/2026 17:00"],
    ["Nhận báo cáo muộn đến (giờ Việt Nam; để trống: đến khi đóng đợt)", "28/12/2026 17:00"]]) {
    await page.getByLabel(name).fill(value);
    await page.keyboard.press("Enter");
  }
  await check(page, "a11y-12-wizard-deadline", { ready: (p) => p.getByLabel("Hạn nộp (giờ Việt Nam)").waitFor() });
  // The date-time picker open on a phone: its OK button is on screen.
  await page.setViewportSize(PHONE);
  await page.getByLabel("Hạn nộp (giờ Việt Nam)").click();
  const ok = page.locator(".ant-picker-dropdown:not(.ant-picker-dropdown-hidden) .ant-picker-ok button");
  await ok.waitFor();
  const box = await ok.boundingBox();
  await page.screenshot({ path: join(OUT, "a11y-12b-date-picker-375.png") });
  if (!box || box.x < 0 || box.x + box.width > PHONE.width) throw new Error(`the picker's OK is off screen: ${JSON.stringify(box)}`);
  await page.keyboard.press("Escape");
  await page.setViewportSize(DESKTOP);
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  // The rule: types, levels, and the communes and clusters that narrow it (left empty: every one).
  await check(page, "a11y-13a-wizard-rule", { ready: (p) => p.getByLabel("Chỉ trường thuộc UBND xã/phường").waitFor() });
  // Narrowed to the first commune (the demo's communes hold several schools each), then 3 of its schools kept.
  await page.getByLabel("Chỉ trường thuộc UBND xã/phường").click();
  await page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option").first().click();
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Xem trước đơn vị" }).click();
  const boxes = page.locator(".target-table .ant-checkbox-input");
  await boxes.first().waitFor();
  const total = await boxes.count();
  if (total < 4) throw new Error(`the rule selects only ${total} units`);
  for (let i = 3; i < total; i++) await boxes.nth(i).uncheck();
  await page.getByText("3 đơn vị sẽ phải nộp báo cáo, hạn 21/12/2026 17:00.").waitFor();
  await check(page, "a11y-13-wizard-targets", { ready: visibleText("3 đơn vị sẽ phải nộp báo cáo") });
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  // The server's list for the saved rule: the 3 units left, before publishing.
  await page.locator(".target-summary .ant-table-row").nth(2).waitFor();
  await check(page, "a11y-14-wizard-summary", { ready: visibleText("Nhận đến 28/12/2026 17:00") });
  await page.getByRole("button", { name: "Ban hành", exact: true }).click();
  await page.locator(".ant-modal-confirm-title").getByText("Ban hành và thông báo cho 3 đơn vị?").waitFor();
  await check(page, "a11y-15-wizard-confirm", { ready: (p) => p.locator(".ant-modal-confirm-title").first().waitFor(), fullPage: false });
  await page.getByRole("button", { name: "Ban hành và thông báo" }).click();
  await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
  await page.getByText("Đang mở", { exact: true }).first().waitFor();
}

async function authorityPhase() {
  const page = await session(SO_ADMIN);
  await page.goto(`${BASE}/campaigns`);
  await check(page, "a11y-07-campaigns", { ready: (p) => p.locator(".ant-table-row").first().waitFor() });
  await page.goto(`${BASE}/campaigns/${args["campaign-id"]}`);
  await check(page, "a11y-08-status-board", { ready: (p) => p.locator(".units-card .ant-table-row").first().waitFor() });
  await wizardPreset(page);
  await publishThroughWizard(page, args["published-title"]);
  await page.goto(`${BASE}/submissions/${args["submission-id"]}`);
  await check(page, "a11y-16-review", { ready: (p) => p.getByRole("tab").first().waitFor() });
  await page.goto(`${BASE}/campaigns/${args["campaign-id"]}/results`);
  await check(page, "a11y-17-results", { ready: (p) => p.locator(".ant-table-row").first().waitFor() });
  // The publish confirmation with the server's preview (units not reviewed, not approved, late), then cancelled.
  await page.getByRole("button", { name: /Công bố (kết quả|lại)/ }).click();
  await page.getByTestId("publish-warning").waitFor();
  await page.waitForTimeout(800); // the dialog's opening animation
  await check(page, "a11y-17b-publish-warning", { ready: (p) => p.getByTestId("publish-warning").waitFor(), fullPage: false });
  await page.getByRole("button", { name: "Huỷ" }).click();
  await page.goto(`${BASE}/admin/units`);
  await check(page, "a11y-18-admin-units", { ready: (p) => p.locator(".ant-table-row").first().waitFor() });
  await page.goto(`${BASE}/admin/users`);
  await check(page, "a11y-19-admin-users", { ready: (p) => p.locator(".ant-table-row").first().waitFor() });
  await page.getByRole("button", { name: "Nhập từ Excel" }).click();
  await check(page, "a11y-20-users-import", { ready: visibleText("Tải tệp mẫu (.xlsx)"), fullPage: false });
  await page.keyboard.press("Escape");
  // Every dialog of the screen is checked open: axe sees only what is rendered (the grant form's checkbox group once
  // carried an aria-required that ARIA does not allow on a group, unseen while the dialog stayed closed).
  await page.getByRole("button", { name: "Cấp quyền" }).click();
  await page.waitForTimeout(800); // the dialog's opening animation
  await check(page, "a11y-20a-commune-grant", { ready: (p) => p.getByRole("dialog").getByText("Hiệu lực từ ngày", { exact: true }).waitFor(), fullPage: false });
  await page.keyboard.press("Escape");
  await integrationsScreen(page);
  await page.goto(`${BASE}/account`);
  await check(page, "a11y-21-account", { ready: visibleText("Lịch hạn nộp") });
  await page.goto(`${BASE}/notifications`);
  await check(page, "a11y-22-notifications", { ready: (p) => p.locator("h1").first().waitFor() });
}

/** The Sở's clusters (cụm trường): a cluster created through the form, two schools found by a search without
 * diacritics and added; then the archived Phòng's last-year results, read by the Sở (phase "clusters"). */
async function clustersPhase() {
  const page = await session(SO_ADMIN);
  await page.goto(`${BASE}/admin/clusters`);
  await check(page, "a11y-23-clusters", { ready: (p) => p.locator(".ant-table-row").first().waitFor() });
  await page.getByRole("button", { name: "Thêm cụm trường" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Mã cụm").fill(args["cluster-code"]);
  await dialog.getByLabel("Tên cụm").fill(args["cluster-name"]);
  await check(page, "a11y-24-cluster-new", { ready: (p) => p.getByRole("dialog").getByLabel("Tên cụm").waitFor(), fullPage: false });
  await dialog.getByRole("button", { name: "Lưu" }).click();
  await page.getByText(`Cụm: ${args["cluster-name"]}`).waitFor();
  await page.getByLabel("Tìm trường để thêm vào cụm").fill(args["school-search"]);
  await page.getByLabel("Tìm trường để thêm vào cụm").press("Enter");
  for (const name of args["school-names"].split("|")) await page.getByLabel(`Chọn ${name}`).check();
  await check(page, "a11y-25-cluster-add", { ready: visibleText("Thêm 2 trường đã chọn") });
  await page.getByRole("button", { name: "Thêm 2 trường đã chọn" }).click();
  await page.getByText("Các trường trong cụm (2)").waitFor();
  await check(page, "a11y-26-cluster-members", { ready: visibleText("Các trường trong cụm (2)") });
  if (args["last-year-campaign-id"]) {
    await page.goto(`${BASE}/campaigns/${args["last-year-campaign-id"]}/results`);
    await check(page, "a11y-27-archived-office-results", { ready: visibleText(args["last-year-school"]) });
  }
}

/** Integration clients: one made through the form, its secret shown once (phase "integrations" runs only this). */
async function integrationsScreen(page) {
  await page.goto(`${BASE}/admin/integrations`);
  await page.getByLabel("Tên ứng dụng").fill(`Bảng điều khiển CĐS ${Date.now() % 100000}`);
  await page.getByRole("button", { name: "Tạo ứng dụng" }).click();
  await check(page, "a11y-20b-integrations", { ready: (p) => p.getByLabel(/^Khoá bí mật/).waitFor() });
}

/** One phase: its screens, then the findings as JSON (`report`); fails naming every screen with problems. */
async function phase(launched, work) {
  browser = launched;
  findings.length = 0;
  try {
    await work();
  } finally {
    if (args.report) writeFileSync(args.report, JSON.stringify(findings, null, 2));
  }
  const bad = findings.filter((f) => f.problems.length);
  if (bad.length) throw new Error(`${bad.length} screen(s) with problems:\n${bad.map((f) => `${f.screen}: ${f.problems.join("; ")}`).join("\n")}`);
}

test("phase school: the school's screens", async ({ browser: launched }) => {
  await phase(launched, schoolPhase);
});

test("phase authority: the authority's screens and the wizard publishing", async ({ browser: launched }) => {
  await phase(launched, authorityPhase);
});

test("phase integrations: the integration clients screen", async ({ browser: launched }) => {
  await phase(launched, async () => integrationsScreen(await session(SO_ADMIN)));
});

test("phase clusters: the Sở's clusters screen (and last year's results of the archived Phòng)", async ({ browser: launched }) => {
  await phase(launched, clustersPhase);
});
