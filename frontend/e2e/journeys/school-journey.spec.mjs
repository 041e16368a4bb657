// The school's journey on a phone (issue 22, school half; was frontend/e2e/school_journey.mjs, run by run.mjs
// after its own steps), under @playwright/test against a running EduDX (tests/e2e/test_spa_browser.py runs it
// with the main journey; inputs in EDUDX_E2E_ARGS: base-url, out):
// a wrong link does not keep the rest of the report on one phone, the checklist of what is missing links to
// its sections and criteria, self-scoring card by card with a total that stays in view, the submit refused
// while criteria are unscored, a campaign not open yet, the "không có quyền" page, "Quên mật khẩu", and an
// expired session that says so and keeps what was being typed. Every changed screen is saved at 375 px and
// 1366 px wide. It uses Trường Tiểu học Long Phước, which the main journey leaves alone.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { args, BASE, PASSWORD, steps } from "../support/journey.mjs";

const PRINCIPAL = "hieutruong.longphuoc@vinhlong.edu.vn";
const REVIEWER = "thamdinh.so@vinhlong.edu.vn";
const SO_ADMIN = "cntt.so@vinhlong.edu.vn";
export const WIDE = { width: 1366, height: 850 };
export const PHONE = { width: 375, height: 812 };

/** Both widths of the screen as it is now, with a check that nothing sticks out at 375 px. */
async function both(page, out, name, shots) {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  const before = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(out, `22a-${name}-375.png`) });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  // What sticks out, to say where to look.
  const wide = overflow > 2 ? await page.evaluate(() => [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 2 && el.getBoundingClientRect().width > 0)
    .slice(-9, -6).map((el) => {
      const chain = [];
      for (let node = el; node && chain.length < 8; node = node.parentElement) chain.push(`${node.tagName.toLowerCase()}.${String(node.className).split(" ")[0]}${node.id ? `#${node.id}` : ""}`);
      return `${chain.join(" < ")} (${Math.round(el.getBoundingClientRect().right)})`;
    })) : [];
  await page.setViewportSize(WIDE);
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(out, `22a-${name}-1366.png`) });
  await page.setViewportSize(before);
  await page.waitForTimeout(200);
  shots.push(`22a-${name}`);
  if (overflow > 2) throw new Error(`${name}: the page is ${overflow}px wider than a 375px phone screen: ${wide.join("; ")}`);
}

async function signIn(browser, base, email, password, viewport) {
  const context = await browser.newContext({ viewport, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh" });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${base}/login`);
  await page.getByLabel("Thư điện tử").fill(email);
  await page.getByLabel("Mật khẩu", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  return { context, page };
}

async function apiToken(request, base, email, password) {
  const response = await request.post(`${base}/api/identity/auth/login`, { data: { email, password } });
  if (!response.ok()) throw new Error(`login ${email}: HTTP ${response.status()}`);
  return { Authorization: `Bearer ${(await response.json()).access_token}` };
}

const field = (page, id) => page.locator(`#field-${id}`);
const saved = (page) => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 20_000 });

export async function schoolJourney({ browser, base, out, password, step, setCurrent = () => undefined }) {
  const shots = [];
  const { context, page } = await signIn(browser, base, PRINCIPAL, password, PHONE);
  setCurrent(page);
  let reportUrl = "";

  await step("22a: a link without https:// is saved with its message; another device reads every answer", async () => {
    await page.locator(".campaign-card", { hasText: "Báo cáo tổng kết" }).getByRole("button", { name: /Bắt đầu soạn|Tiếp tục soạn/ }).click();
    await page.waitForURL(/\/submissions\/[0-9a-f-]{36}$/);
    reportUrl = page.url();
    await field(page, "s1_result").fill("Giáo viên dùng bài giảng điện tử ở các khối lớp 3, 4, 5.");
    await field(page, "s3_portal_url").fill("thlongphuoc.edu.vn");
    await field(page, "s3_posts").fill("12");
    await saved(page);
    const state = await page.locator(".save-state").textContent();
    if (!/cần sửa trước khi nộp/.test(state ?? "")) throw new Error(`save state reads "${state}"`);
    await page.getByText("bắt đầu bằng https://").first().waitFor();
    await page.locator("#section-3").scrollIntoViewIfNeeded();
    await both(page, out, "01-wrong-link-saved", shots);

    const reviewer = await signIn(browser, base, REVIEWER, password, WIDE);
    await reviewer.page.goto(reportUrl);
    await reviewer.page.getByText("thlongphuoc.edu.vn").first().waitFor();
    await reviewer.page.getByText("Giáo viên dùng bài giảng điện tử ở các khối lớp 3, 4, 5.").first().waitFor();
    await reviewer.context.close();
  });

  await step("22a: the checklist lists what is missing per section and links to it; the section picker on a phone", async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByText(/Còn \d+ việc trước khi nộp/).first().click();
    await page.getByTestId("missing-list").getByText("Nhóm 1: chưa tự chấm tiêu chí 1.1").waitFor();
    await page.getByTestId("missing-list").getByText(/phải là địa chỉ đầy đủ/).waitFor();
    await both(page, out, "02-checklist", shots);
    // The picker stays at the top of a phone screen and takes the person to a section.
    // A click on an option while the list is still sliding open (slow under load) only highlights it: as a person
    // would, click again until the picker shows the section.
    await expect(async () => {
      const options = page.locator(".ant-select-dropdown .ant-select-item-option");
      if (!(await options.first().isVisible())) await page.getByLabel("Đến mục của báo cáo").click();
      await options.filter({ hasText: /^4\. / }).first().click({ timeout: 3000 });
      await expect(page.locator(".section-picker .ant-select-content")).toContainText(/4\. /, { timeout: 3000 });
    }).toPass({ timeout: 30_000 });
    await page.waitForFunction(() => {
      const box = document.getElementById("section-4")?.getBoundingClientRect();
      return !!box && box.top >= 0 && box.top < 400;
    });
    const picker = await page.locator(".section-picker").boundingBox();
    if (!picker || picker.y < 0 || picker.y > 200) throw new Error(`the section picker is not in view (${JSON.stringify(picker)})`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByTestId("missing-list").getByRole("link", { name: "Nhóm 1: chưa tự chấm tiêu chí 1.1" }).click();
    await page.waitForURL(/tab=scores&criterion=1\.1/);
    await page.locator("#criterion-1\\.1").waitFor();
  });

  await step("22a: self-scoring card by card on a phone, total in view, every criterion at fault named", async () => {
    const row = (code) => page.locator(`#criterion-${code.replace(".", "\\.")}`);
    await row("1.1").getByLabel("Điểm tiêu chí 1.1").fill("3");
    await row("1.1").getByRole("button", { name: "Lưu tiêu chí 1.1" }).click();
    await page.getByText("Đã lưu điểm tự chấm tiêu chí 1.1.").waitFor();
    await row("1.1").getByText("Đã lưu").waitFor();
    await row("1.2").getByLabel("Điểm tiêu chí 1.2").fill("5");
    await row("2.2").getByLabel("Điểm tiêu chí 2.2").fill("5");
    await page.getByRole("button", { name: /Lưu điểm tự chấm \(2\)/ }).click();
    await row("1.2").getByRole("alert").getByText(/Tiêu chí 1\.2 cần minh chứng/).waitFor();
    await row("2.2").getByRole("alert").getByText(/Tiêu chí 2\.2 cần minh chứng/).waitFor();
    await row("2.2").scrollIntoViewIfNeeded();
    const totals = await page.locator(".score-save-bar").boundingBox();
    if (!totals || totals.y < 0 || totals.y > 140) throw new Error(`the total is not in view while scoring (${JSON.stringify(totals)})`);
    await both(page, out, "03-self-scoring-cards", shots);
  });

  await step("22a: the principal's submit is refused while criteria are unscored, with the list", async () => {
    await page.getByRole("tab", { name: "Soạn báo cáo" }).click();
    await field(page, "s3_portal_url").fill("https://thlongphuoc.edu.vn");
    await saved(page);
    await page.getByRole("button", { name: "Xem lại và nộp" }).click();
    const drawer = page.locator(".submit-drawer");
    await drawer.getByText(/Tự chấm: 1\/21 tiêu chí đã chấm/).waitFor();
    await page.waitForTimeout(600); // the drawer slides in: click its button once it stands still
    await drawer.locator(".ant-drawer-footer button.ant-btn-primary").click();
    await drawer.getByText(/20 tiêu chí chưa tự chấm/).waitFor();
    await both(page, out, "04-submit-refused-unscored", shots);
    await drawer.getByRole("button", { name: "Quay lại sửa" }).click();
  });

  await step("22a: the expired session says so and keeps what was being typed", async () => {
    // The server no longer accepts this session (it timed out, or was revoked): the save gets 401 and the
    // refresh is refused, as identity answers them.
    const refused = (route) => route.fulfill({ status: 401, contentType: "application/problem+json",
      body: JSON.stringify({ type: "about:blank", title: "Phiên đăng nhập không còn hiệu lực", status: 401, code: "invalid_token" }) });
    await page.route("**/api/identity/auth/refresh", refused);
    await page.route("**/api/submissions/submissions/*", (route) => (route.request().method() === "PATCH" ? refused(route) : route.continue()));
    await field(page, "s4a_result").fill("Đang soạn thì phiên hết hạn");
    await page.waitForURL(/\/login\?next=/, { timeout: 20_000 });
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.getByText("Phiên đăng nhập đã hết hạn").waitFor();
    await both(page, out, "05-session-expired", shots);
    await page.getByLabel("Thư điện tử").fill(PRINCIPAL);
    await page.getByLabel("Mật khẩu", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.waitForURL(/\/submissions\//);
    await page.getByText(/Đã khôi phục \d+ nội dung chưa lưu/).waitFor();
    if ((await field(page, "s4a_result").inputValue()) !== "Đang soạn thì phiên hết hạn") throw new Error("the typing was lost");
    await saved(page);
  });

  await step("22a: a school user opening an admin screen by its address gets the 'không có quyền' page", async () => {
    await page.goto(`${base}/admin/users`);
    await page.getByText("Không có quyền truy cập trang này").waitFor();
    await both(page, out, "06-forbidden", shots);
  });

  await step("22a: a campaign not open yet shows its opening date, a countdown and no 'Bắt đầu soạn'", async () => {
    const request = context.request;
    const admin = await apiToken(request, base, SO_ADMIN, password);
    const me = await (await request.get(`${base}/api/identity/me`, { headers: await apiToken(request, base, PRINCIPAL, password) })).json();
    const years = await (await request.get(`${base}/api/submissions/school-years`, { headers: admin })).json();
    const opens = new Date(Date.now() + 3 * 86_400_000 + 3_600_000);
    const title = `Báo cáo sơ kết học kỳ I (mở sau, ${new Date().toISOString().slice(11, 19)})`;
    const created = await request.post(`${base}/api/submissions/campaigns`, { headers: admin, data: {
      title, kind: "semester_review", school_year_id: years.items[0].id,
      opens_at: opens.toISOString(), due_at: new Date(opens.getTime() + 14 * 86_400_000).toISOString(),
      targets: { unit_ids: [me.unit_id] } } });
    if (!created.ok()) throw new Error(`campaign: HTTP ${created.status()} ${await created.text()}`);
    const campaign = await created.json();
    const published = await request.post(`${base}/api/submissions/campaigns/${campaign.id}/publish`, { headers: admin });
    if (!published.ok()) throw new Error(`publish: HTTP ${published.status()} ${await published.text()}`);
    await page.goto(`${base}/`);
    const card = page.locator(".campaign-card", { hasText: title });
    await card.getByText(/Chưa mở · còn 3 ngày/).waitFor();
    await card.getByText("Mở từ").waitFor();
    if (await card.getByRole("button").count()) throw new Error("a campaign not open yet offers a button");
    await card.scrollIntoViewIfNeeded();
    await both(page, out, "07-not-open-yet", shots);
    await page.goto(`${base}/campaigns/${campaign.id}`);
    await page.getByText(/Đợt báo cáo mở từ \d\d\/\d\d\/\d{4} \d\d:\d\d/).waitFor();
    await both(page, out, "08-not-open-link", shots);
  });
  await context.close();

  await step("22a: 'Quên mật khẩu' from the login page, and the page of the e-mailed link", async () => {
    const anonymous = await browser.newContext({ viewport: PHONE, locale: "vi-VN" });
    const p = await anonymous.newPage();
    setCurrent(p);
    await p.goto(`${base}/login`);
    await p.getByRole("link", { name: "Quên mật khẩu?" }).click();
    await p.waitForURL(/\/quen-mat-khau$/);
    await both(p, out, "09-forgot-password", shots);
    await p.getByLabel("Thư điện tử").fill(PRINCIPAL);
    await p.getByRole("button", { name: "Gửi liên kết đặt mật khẩu" }).click();
    await p.getByText("Đã gửi hướng dẫn").waitFor();
    await both(p, out, "10-forgot-password-sent", shots);
    await p.goto(`${base}/dat-mat-khau?token=khong-con-hieu-luc-0123456789`);
    await p.getByLabel("Mật khẩu mới", { exact: true }).fill("Mat-khau-moi-2026!");
    await p.getByLabel("Nhập lại mật khẩu mới").fill("Mat-khau-moi-2026!");
    await p.getByRole("button", { name: "Đặt mật khẩu" }).click();
    await p.locator(".ant-alert-error").waitFor();
    await both(p, out, "11-set-password-refused", shots);
    await anonymous.close();
  });
  return shots;
}

test("school journey on a phone (issue 22)", async ({ browser }) => {
  const out = args.out ?? "screenshots";
  mkdirSync(out, { recursive: true });
  let current = null;
  const step = steps({ out, current: () => current });
  await schoolJourney({ browser, base: BASE, out, password: PASSWORD, step, setCurrent: (p) => { current = p; } });
});
