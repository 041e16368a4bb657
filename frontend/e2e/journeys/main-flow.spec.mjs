// The main journey of the SPA (was frontend/e2e/run.mjs), in Debian's Chromium under @playwright/test, against
// a running EduDX (the embedded run started by tests/e2e/test_spa_browser.py). Inputs (EDUDX_E2E_ARGS): base-url,
// out (screenshots), pdf, photo, bad-users, bad-rubric, decision-pdf, calendar-urls.
//
// An IT officer signs in, fills the seed-004 report, uploads a PDF (progress shown on a slowed link) and a
// phone photo through the camera input (with the connection dropped and back: the upload retries); the
// principal's first submit is refused by section, then the report is completed and submitted; a reviewer at
// the Sở opens the status board, searches without diacritics, opens the report, previews the PDF and returns
// it with comments; the school sees the return in the notifications bell and the feed page, fixes and
// resubmits; the reviewer approves; the school sees it approved.
// Scoring: the IT officer self-scores the 21 criteria of the seed-004 rubric (the 0,25 step and the evidence
// rule refused on the row, evidence uploaded or chosen per criterion), the reviewer scores beside the school's
// scores (large gap flagged), the Sở publishes the results (distribution, ranks, export) and the school
// sees its final score and class; rubrics listed, viewed, exported, and an import checked (row errors, preview).
// Also: the campaign wizard, units and users admin with an import showing row errors, the account page (a
// deadline calendar link made and made anew: calendar-urls receives both for the caller to fetch), the
// language switch, an error page. Every main screen is saved at 1280 px and 375 px wide. Each step is a
// test.step; the first failed step ends the journey (a FAILED-….png screenshot, and the trace).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "@playwright/test";
import { args, BASE, PASSWORD, steps } from "../support/journey.mjs";
import { signIn } from "../support/sign-in.mjs";

const OUT = args.out ?? "screenshots";
const OFFICER = "cntt.hoabinh@vinhlong.edu.vn";
const PRINCIPAL = "hieutruong.hoabinh@vinhlong.edu.vn";
const REVIEWER = "thamdinh.so@vinhlong.edu.vn";
const SO_ADMIN = "cntt.so@vinhlong.edu.vn";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
mkdirSync(OUT, { recursive: true });

/** The worker's browser (the fixture), set when the journey starts. */
let browser = null;
const shots = [];
let current = null;

/** The submit drawer's primary button (its accessible name changes while it is busy). */
function submitButton(page) {
  return page.locator(".submit-drawer .ant-drawer-footer button.ant-btn-primary");
}

const step = steps({ out: OUT, current: () => current });

/** The same screen at desktop and phone width. */
async function shoot(page, name, { fullPage = false } = {}) {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.screenshot({ path: join(OUT, `${name}-desktop.png`), fullPage });
  const before = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(OUT, `${name}-375.png`), fullPage });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize(before);
  await page.waitForTimeout(200);
  shots.push(name);
  if (overflow > 2) throw new Error(`${name}: the page is ${overflow}px wider than a 375px phone screen`);
}

async function session(email, viewport = DESKTOP, extra = {}) {
  const context = await browser.newContext({ viewport, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh", ...extra });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  current = page;
  await signIn(page, BASE, email, PASSWORD);
  return { context, page };
}

const field = (page, id) => page.locator(`#field-${id}`);
// The bell's count equals the unread items of a list that holds them all (the school has fewer than a page).
async function badgeAgreesWith(page, items) {
  await page.waitForFunction((selector) => {
    const shown = document.querySelector(".bell-button")?.getAttribute("data-unread");
    const listed = document.querySelectorAll(`${selector}[data-unread="true"]`).length;
    return shown !== "" && shown !== null && Number(shown) === listed;
  }, items);
}

async function answer(page, id, text) {
  await field(page, id).fill(String(text));
}
async function choose(page, id, optionText) {
  await field(page, id).getByText(optionText, { exact: true }).click();
}
async function waitSaved(page) {
  await page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 20_000 });
}

let submissionUrl = "";

// The self-scores of the seed-004 report's 21 criteria (90,25 points: Xuất sắc by the school's own count).
const SELF_SCORES = {
  "1.1": "3", "1.2": "4,5", "1.3": "2", "1.4": "4,75", "1.5": "3", "1.6": "2",
  "2.1": "5", "2.2": "5", "2.3": "9", "2.4": "5",
  "3.1": "5", "3.2": "4", "3.3": "4,5", "3.4": "3", "3.5": "2", "3.6": "3",
  "4.1": "5", "4.2": "3", "4.3": "2", "4.4": "8", "4.5": "7,5",
};
const css = (code) => code.replace(".", "\\.");
const criterionRow = (page, code) => page.locator(`#criterion-${css(code)}`);
async function scoresTab(page, name) {
  await page.getByRole("tab", { name }).click();
  await page.locator(".score-table").first().waitFor();
}

test("main journey: school, reviewer, scoring, results, admin", async ({ browser: launched }) => {
  browser = launched;
  await step("login page", async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: "vi-VN" });
    const page = await context.newPage();
    current = page;
    await page.goto(`${BASE}/submissions/xyz`); // a deep link while signed out goes to the login, then back
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole("button", { name: "Đăng nhập" }).waitFor();
    await shoot(page, "01-login");
    await page.getByLabel("Thư điện tử").fill(OFFICER);
    await page.getByLabel("Mật khẩu").fill("sai-mat-khau");
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.getByRole("alert").waitFor();
    await context.close();
  });

  const officer = await session(OFFICER);
  await step("school dashboard with countdown, no layout shift", async () => {
    const { page } = officer;
    current = page;
    await page.getByText("Cần thực hiện").waitFor();
    await page.locator(".deadline-tag").first().waitFor();
    const tag = await page.locator(".deadline-tag").first().textContent();
    if (!/^(còn \d+ ngày|hạn hôm nay|quá hạn)/.test(tag ?? "")) throw new Error(`countdown reads "${tag}"`);
    const cls = await page.evaluate(() => new Promise((resolve) => {
      let total = 0;
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value; })
        .observe({ type: "layout-shift", buffered: true });
      setTimeout(() => resolve(total), 500);
    }));
    if (cls > 0.1) throw new Error(`cumulative layout shift ${cls}`);
    await shoot(page, "02-school-dashboard");
  });

  await step("IT officer fills the seed-004 report (autosave)", async () => {
    const { page } = officer;
    current = page;
    await page.getByRole("button", { name: "Bắt đầu soạn" }).click();
    await page.waitForURL(/\/submissions\/[0-9a-f-]{36}$/);
    submissionUrl = page.url();
    await page.getByText("Ứng dụng CNTT trong đổi mới phương pháp dạy - học").first().waitFor();
    await answer(page, "s1_result", "Trường tổ chức dạy học có ứng dụng CNTT ở tất cả các khối lớp.\n- 100% giáo viên dùng bài giảng điện tử\n- Kiểm tra trực tuyến trên hệ thống LMS");
    await answer(page, "s1_staff_it_share", "96,5");
    await choose(page, "s1_online_testing", "Có");
    await answer(page, "s1_lms_url", "https://lms.thcshoabinh.edu.vn");
    await answer(page, "s2_result", "Sử dụng phần mềm quản lý trường học, sổ điểm điện tử, học bạ số.");
    await field(page, "s2_software").getByText("Sổ điểm điện tử").click();
    await field(page, "s2_software").getByText("Học bạ điện tử").click();
    await choose(page, "s2_database_complete", "Có");
    await answer(page, "s3_result", "Cổng thông tin điện tử cập nhật thường xuyên các hoạt động của trường.");
    await answer(page, "s3_portal_url", "https://thcshoabinh.edu.vn");
    await answer(page, "s3_posts", "52");
    await choose(page, "s3_cashless", "Một phần các khoản");
    await page.getByRole("button", { name: "Thêm dòng" }).click();
    await page.locator("#field-s4_infrastructure-0-item").fill("Phòng máy tính");
    await page.locator("#field-s4_infrastructure-0-quantity").fill("2");
    await page.locator("#field-s4_infrastructure-0-note").fill("40 máy, kết nối mạng LAN");
    await choose(page, "s4_fibre", "Có");
    await answer(page, "s4a_result", "Hoàn thành các chỉ tiêu của kế hoạch đô thị thông minh.");
    await answer(page, "s4b_result", "Triển khai học bạ số, thanh toán không dùng tiền mặt.");
    // 4c is left for later: the principal's first submit must be refused by section.
    await waitSaved(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "03-editor");
  });

  await step("IT officer uploads a PDF with progress", async () => {
    const { page, context } = officer;
    current = page;
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    // A slow uplink (about 3G) so that the progress bar is seen moving.
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 40, downloadThroughput: 2_000_000, uploadThroughput: 250_000 });
    // The plan is also the evidence of criterion 1.2 of the rubric: tagged at upload, used when self-scoring.
    await page.locator("#section-1 .section-evidence .ant-select").first().click();
    await page.keyboard.type("1.2");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
    await page.locator("#section-1 .section-evidence .ant-select-selection-item").filter({ hasText: "1.2." }).waitFor();
    await page.getByTestId("file-1").setInputFiles(args.pdf);
    const progress = page.locator(".upload-progress").filter({ hasText: "Đang tải lên" });
    await progress.waitFor();
    await page.waitForFunction(() => {
      const el = document.querySelector(".upload-progress .ant-progress");
      const value = Number(el?.getAttribute("aria-valuenow") ?? el?.querySelector("[aria-valuenow]")?.getAttribute("aria-valuenow") ?? 0);
      return value >= 5;
    }, null, { timeout: 30_000 }).catch(() => undefined);
    await progress.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, "04-upload-progress-desktop.png") });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.locator("#section-1 .evidence-list").getByText("ke-hoach-ung-dung-cntt").first().waitFor({ timeout: 60_000 });
    await cdp.detach();
  });

  await step("IT officer on a phone photographs evidence; the upload survives a dropped connection", async () => {
    const phone = await session(OFFICER, PHONE, { isMobile: true, hasTouch: true });
    current = phone.page;
    const { page, context } = phone;
    await page.goto(submissionUrl);
    await page.getByTestId("camera-3").waitFor({ state: "attached" });
    const camera = page.getByTestId("camera-3");
    if ((await camera.getAttribute("capture")) !== "environment" || !(await camera.getAttribute("accept"))?.includes("image/")) {
      throw new Error("the camera input does not ask phones for the camera");
    }
    await context.setOffline(true);
    await camera.setInputFiles(args.photo);
    await page.locator(".upload-progress").filter({ hasText: "Mất kết nối" }).waitFor({ timeout: 30_000 });
    await page.locator(".upload-progress").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, "05-phone-upload-retrying-375.png") });
    await context.setOffline(false);
    await page.locator("#section-3 .evidence-list").getByText("phong-may-tinh").first().waitFor({ timeout: 60_000 });
    await page.locator("#section-3").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, "05-phone-editor-evidence-375.png") });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 2) throw new Error(`the editor is ${overflow}px wider than the phone`);
    await context.close();
  });


  await step("IT officer self-scores the 21 criteria; the step and the evidence rule are enforced", async () => {
    const { page } = officer;
    current = page;
    await page.goto(submissionUrl);
    await scoresTab(page, "Tự chấm điểm");
    // Off the 0,25 step: said in the row, nothing sent.
    await page.locator("#self-1\\.2").fill("2,6");
    await criterionRow(page, "1.2").getByText("Điểm chấm theo bước 0,25 (ví dụ 2,5)").waitFor();
    await shoot(page, "24a-self-scoring-step");
    for (const [code, points] of Object.entries(SELF_SCORES)) await page.locator(`#self-${css(code)}`).fill(points);
    await page.getByTestId("running-total").filter({ hasText: "90,25" }).waitFor();
    await page.locator(".total-row").getByText("Xuất sắc").waitFor();
    await criterionRow(page, "2.3").getByPlaceholder("Ghi chú (không bắt buộc)").fill("Dùng phần mềm quản lý trường học và học bạ số.");
    // Points without evidence tagged with the criterion: refused by the server, shown on the row.
    await page.getByRole("button", { name: /Lưu điểm tự chấm/ }).click();
    await page.getByText("Tiêu chí cần minh chứng").waitFor();
    await criterionRow(page, "1.3").locator(".score-error").getByText(/cần minh chứng/).waitFor();
    await criterionRow(page, "1.3").scrollIntoViewIfNeeded();
    await shoot(page, "24-self-scoring-evidence-required");
    // A new file uploaded from a row carries the criterion's code …
    await criterionRow(page, "4.2").getByRole("button", { name: "Tải minh chứng mới cho tiêu chí 4.2" }).click();
    await page.getByTestId("file-4.2").setInputFiles(args["decision-pdf"]);
    await criterionRow(page, "4.2").locator(".ant-select-selection-item").getByText(/quyet-dinh-phan-cong/).waitFor({ timeout: 60_000 });
    // … the same file again is the report's existing item, chosen for the row …
    await criterionRow(page, "1.3").getByRole("button", { name: "Tải minh chứng mới cho tiêu chí 1.3" }).click();
    await page.getByTestId("file-1.3").setInputFiles(args.pdf);
    await page.getByText(/Tệp này đã có trong báo cáo \(H1-01.*\): đã chọn làm minh chứng cho tiêu chí 1.3/).waitFor({ timeout: 60_000 });
    await criterionRow(page, "1.3").locator(".ant-select-selection-item").first().waitFor();
    // … 1.2 has the plan tagged with its code in section 1, the others choose it in their row.
    await criterionRow(page, "1.2").locator(".ant-select-selection-item").getByText(/ke-hoach-ung-dung-cntt/).waitFor();
    const required = ["1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "2.4", "3.2", "3.3", "3.4", "3.5", "3.6", "4.1", "4.3", "4.4", "4.5"];
    for (const code of required) {
      await criterionRow(page, code).locator(".col-evidence .ant-select").click();
      await page.keyboard.type("ke-hoach-ung");
      await page.locator(".ant-select-item-option-active").filter({ hasText: "ke-hoach-ung-dung-cntt" }).last().waitFor();
      await page.keyboard.press("Enter");
      await criterionRow(page, code).locator(".ant-select-selection-item").first().waitFor();
      await page.keyboard.press("Escape");
    }
    await page.getByRole("button", { name: /Lưu điểm tự chấm/ }).click();
    await page.getByText("Đã lưu điểm tự chấm (21 tiêu chí).").waitFor();
    await page.getByTestId("score-totals").getByText("21/21 tiêu chí", { exact: false }).waitFor();
    await page.getByTestId("self-class").getByText("Xuất sắc").waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "25-self-scoring");
  });

  const principal = await session(PRINCIPAL);
  await step("principal's submit is refused by section, then fixed and submitted", async () => {
    const { page } = principal;
    current = page;
    await page.getByRole("button", { name: "Tiếp tục soạn" }).click();
    await page.waitForURL(/\/submissions\//);
    await page.getByRole("button", { name: "Xem lại và nộp" }).click();
    await page.locator(".submit-drawer").getByText("Hiệu trưởng xem lại nội dung").waitFor();
    await page.waitForTimeout(400); // the drawer slides in
    await submitButton(page).click();
    await page.locator(".submit-drawer").getByText("Báo cáo còn thiếu nội dung bắt buộc").waitFor();
    await page.screenshot({ path: join(OUT, "06-submit-refused-desktop.png") });
    await page.getByRole("button", { name: "Quay lại sửa" }).click();
    await page.getByText("Báo cáo còn thiếu hoặc sai ở các mục sau").waitFor();
    await page.locator("#section-4c").getByText("chưa trả lời").waitFor();
    await page.locator("#section-4c").scrollIntoViewIfNeeded();
    await shoot(page, "07-validation-by-section");
    await answer(page, "s4c_result", "Tiếp tục chuyển đổi số, triển khai học bạ số ở tất cả các khối lớp.");
    await waitSaved(page);
    await page.getByRole("button", { name: "Xem lại và nộp" }).click();
    await page.locator(".submit-drawer").getByText("Hiệu trưởng xem lại nội dung").waitFor();
    await page.waitForTimeout(400);
    await shoot(page, "08-review-and-submit");
    await submitButton(page).click();
    await page.locator(".ant-tag").getByText("Đã nộp", { exact: true }).first().waitFor();
    await shoot(page, "09-submitted-report", { fullPage: false });
  });

  const reviewer = await session(REVIEWER);
  await step("reviewer: campaigns, status board, diacritic-free search", async () => {
    const { page } = reviewer;
    current = page;
    await page.waitForURL(/\/campaigns$/);
    await page.getByRole("link", { name: /Báo cáo tổng kết ứng dụng CNTT/ }).first().waitFor();
    await shoot(page, "10-campaign-list");
    await page.getByRole("link", { name: /Báo cáo tổng kết ứng dụng CNTT/ }).first().click();
    await page.getByText("Tỉ lệ đã nộp").waitFor();
    await page.locator(".bar-chart").waitFor();
    await shoot(page, "11-status-board");
    await page.getByPlaceholder(/Tìm trường/).fill("thcs hoa binh");
    await page.getByPlaceholder(/Tìm trường/).press("Enter");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll(".units-card .ant-table-row")];
      return rows.length === 1 && rows[0].textContent.includes("Trường THCS Hòa Bình");
    }, null, { timeout: 10_000 });
  });

  await step("reviewer: the demo's digitally signed report (Đã ký số, signer, seal)", async () => {
    const { page } = reviewer;
    current = page;
    await page.getByPlaceholder(/Tìm trường/).fill("loc hoa");
    await page.getByPlaceholder(/Tìm trường/).press("Enter");
    const row = page.locator(".units-card .ant-table-row").filter({ hasText: "Trường TH&THCS Lộc Hòa" });
    await row.locator(".ant-tag").getByText("Đã ký số", { exact: true }).waitFor();
    // The school's name opens its report (the board's "Mở báo cáo" link is the phone layout's).
    await row.getByRole("link", { name: "Trường TH&THCS Lộc Hòa", exact: true }).click();
    await page.getByTestId("signature-state").getByText("Đã ký số").waitFor();
    await page.locator(".signature-panel").getByText("DEMO CA", { exact: false }).waitFor();
    await page.locator(".signature-panel").getByText("Trường TH&THCS Lộc Hòa").waitFor();
    await shoot(page, "11b-signed-report");
    await page.goBack();
    await page.getByPlaceholder(/Tìm trường/).fill("thcs hoa binh");
    await page.getByPlaceholder(/Tìm trường/).press("Enter");
    await page.locator(".units-card .ant-table-row").filter({ hasText: "Trường THCS Hòa Bình" }).waitFor();
  });

  await step("reviewer previews the PDF and returns the report with comments", async () => {
    const { page } = reviewer;
    current = page;
    await page.locator(".units-card .ant-table-row").filter({ hasText: "Trường THCS Hòa Bình" }).getByRole("link", { name: "Trường THCS Hòa Bình", exact: true }).click();
    await page.waitForURL(/\/submissions\//);
    await page.locator("iframe.preview-frame").waitFor();
    const src = await page.locator("iframe.preview-frame").getAttribute("src");
    if (!src?.startsWith("blob:")) throw new Error("no inline PDF preview");
    const type = await page.evaluate(async (url) => (await (await fetch(url)).blob()).type, src);
    if (type !== "application/pdf") throw new Error(`preview holds ${type}`);
    await page.getByRole("button", { name: "Nhận thẩm định" }).click();
    await page.getByText("Đã nhận thẩm định.").waitFor();
    await page.waitForTimeout(1500); // let the PDF viewer paint
    await shoot(page, "12-review-pdf-preview");
    // Scores: the school's beside the reviewer's, a large gap flagged, the totals and class.
    await scoresTab(page, "Chấm điểm");
    await page.getByRole("button", { name: "Lấy điểm tự chấm cho ô còn trống" }).click();
    await page.locator("#review-2\\.3").fill("4");
    await page.locator("#review-criterion-2\\.3").getByPlaceholder("Nhận xét (không bắt buộc)").fill("Mới triển khai phân hệ quản lý học sinh; chưa có phân hệ tài chính, tài sản.");
    await page.locator("#review-4\\.4").fill("7");
    await page.getByTestId("review-running-total").filter({ hasText: "84,25" }).waitFor();
    await page.getByRole("button", { name: /Lưu điểm thẩm định/ }).click();
    await page.getByText("Đã lưu điểm thẩm định (21 tiêu chí).").waitFor();
    await page.locator("#review-criterion-2\\.3 .gap-flag").waitFor();
    await page.getByTestId("final-class").getByText("Tốt").waitFor();
    await page.locator("#review-criterion-1\\.2 .evidence-link").first().click();
    await page.locator(".ant-modal iframe.preview-frame").waitFor();
    await page.keyboard.press("Escape");
    await page.locator("#review-criterion-2\\.3").scrollIntoViewIfNeeded();
    await shoot(page, "26-review-scoring");
    await page.getByRole("tab", { name: "Nội dung" }).click();
    await page.locator("#section-3").getByRole("button", { name: "Chưa đủ" }).first().click();
    await page.getByPlaceholder(/văn bản hết hiệu lực/).fill("Ảnh chưa thấy rõ số máy tính trong phòng.");
    await page.getByRole("button", { name: "Lưu" }).click();
    await page.locator("#section-3").getByText("Chưa đủ", { exact: true }).last().waitFor();
    await page.locator("#note-3").fill("Bổ sung danh sách tin bài đã đăng trên cổng thông tin (tối thiểu 40 tin bài).");
    await page.locator("#return-general").fill("Đề nghị nhà trường bổ sung minh chứng mục 3 và nộp lại.");
    await page.getByRole("button", { name: "Trả lại để sửa" }).click();
    await page.getByText("Đã trả lại báo cáo cho trường.").waitFor();
  });

  await step("the school sees the return in the bell, opens it from there, and it becomes read", async () => {
    const { page } = officer;
    current = page;
    const bell = page.locator(".bell-button");
    const returned = page.locator(".notification-panel .feed-item").filter({ hasText: "Báo cáo bị trả lại" }).first();
    // The return travels submissions → notifications (outbox) and is expanded by the notifications worker:
    // reload until the bell lists it (each reload asks the server afresh).
    for (let attempt = 1; ; attempt++) {
      await page.goto(`${BASE}/`);
      await page.locator('.bell-button:not([data-unread=""])').waitFor();
      await bell.click();
      await page.locator(".notification-panel[data-loaded]").waitFor();
      if (await returned.count()) break;
      if (attempt === 30) throw new Error("the returned report never reached the bell");
      await page.keyboard.press("Escape");
      await page.waitForTimeout(1000);
    }
    if ((await returned.getAttribute("data-unread")) !== "true") throw new Error("the new notification is not marked unread");
    const before = Number(await bell.getAttribute("data-unread"));
    if (!(before >= 1) || !(await page.locator(".bell-badge .ant-badge-count").count())) throw new Error(`the badge reads ${before}`);
    if (!(await bell.getAttribute("aria-label"))?.includes(`${before} chưa đọc`)) throw new Error("the bell does not say its count");
    await returned.locator(".feed-time").filter({ hasText: /vừa xong|phút trước/ }).waitFor();
    // Shot at each width with the bell opened there (a popover keeps the place it opened at).
    await page.screenshot({ path: join(OUT, "33-bell-open-desktop.png") });
    await page.keyboard.press("Escape");
    await page.locator(".notification-panel").waitFor({ state: "detached" });
    await page.setViewportSize(PHONE);
    await bell.click();
    await returned.waitFor();
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running")); // the popover's zoom-in
    await page.screenshot({ path: join(OUT, "33-bell-open-375.png") });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 2) throw new Error(`the open bell is ${overflow}px wider than a 375px phone screen`);
    shots.push("33-bell-open");
    // Opened from the phone: the item's link leads to the report.
    await returned.locator(".feed-title").click();
    await page.setViewportSize(DESKTOP);
    await page.waitForURL((url) => url.href === submissionUrl);
    await page.getByText("Báo cáo bị trả lại để sửa").waitFor();
    // Other items for the school may still arrive from the worker, so the badge is compared with the list the
    // server gives at the same moment, not with a count taken earlier.
    await bell.click();
    await page.locator(".notification-panel[data-loaded]").waitFor();
    await returned.and(page.locator('[data-unread="false"]')).waitFor();
    await badgeAgreesWith(page, ".notification-panel .feed-item");
    await page.keyboard.press("Escape");
    // The feed page: the item is read now; the unread filter leaves it out; marking it unread counts again.
    await page.goto(`${BASE}/notifications`);
    const row = page.locator(".feed-card .feed-item").filter({ hasText: "Báo cáo bị trả lại" }).first();
    await row.waitFor();
    if ((await row.getAttribute("data-unread")) !== "false") throw new Error("the opened notification is still unread");
    await shoot(page, "34-notifications");
    await page.locator(".feed-toolbar .ant-segmented-item").filter({ hasText: "Chưa đọc" }).click();
    await page.waitForURL(/filter=unread/);
    await row.waitFor({ state: "detached" });
    await page.goto(`${BASE}/notifications`);
    await row.getByRole("button", { name: /Đánh dấu chưa đọc/ }).click();
    await row.and(page.locator('[data-unread="true"]')).waitFor();
    await badgeAgreesWith(page, ".feed-card .feed-item");
    await row.getByRole("button", { name: /Đánh dấu đã đọc/ }).click();
    await row.and(page.locator('[data-unread="false"]')).waitFor();
    await badgeAgreesWith(page, ".feed-card .feed-item");
  });

  await step("school sees the comments; two people editing get a conflict message that loses nothing", async () => {
    const p = principal.page;
    await p.goto(submissionUrl); // the principal opens the returned report first …
    await p.getByText("Báo cáo bị trả lại để sửa").waitFor();
    const { page } = officer;
    current = page;
    await page.goto(`${BASE}/`);
    await page.getByRole("button", { name: "Sửa và nộp lại" }).click();
    await page.getByText("Báo cáo bị trả lại để sửa").waitFor();
    await page.getByText("Đề nghị nhà trường bổ sung minh chứng mục 3").first().waitFor();
    await shoot(page, "13-returned-with-comments");
    await answer(page, "s3_posts", "56"); // … the IT officer saves a change …
    await waitSaved(page);
    current = p;
    await answer(p, "s4c_result", "Phương hướng: học bạ số ở mọi khối lớp, thêm 20 tin bài mỗi học kỳ."); // … and the principal's save is refused
    await p.locator('.save-state[data-state="conflict"]').waitFor();
    await p.getByRole("button", { name: "Giữ thay đổi của tôi, cập nhật phần còn lại" }).waitFor();
    await shoot(p, "14-edit-conflict");
    await p.getByRole("button", { name: "Giữ thay đổi của tôi, cập nhật phần còn lại" }).click();
    await waitSaved(p);
    if ((await field(p, "s3_posts").inputValue()) !== "56") throw new Error("the other person's answer was lost");
    if (!(await field(p, "s4c_result").inputValue()).includes("thêm 20 tin bài")) throw new Error("our answer was lost");
  });

  await step("history and comments; the principal resubmits", async () => {
    const { page } = officer;
    current = page;
    await page.reload();
    await page.getByRole("tab", { name: "Lịch sử và nhận xét" }).click();
    await page.getByText("Trả lại để sửa").first().waitFor();
    await shoot(page, "15-history");
    // The reviewer's comment on a criterion reaches the school with the return (the scores stay hidden).
    await scoresTab(page, "Tự chấm điểm");
    await criterionRow(page, "2.3").getByText("Mới triển khai phân hệ quản lý học sinh").waitFor();
    if (await page.getByTestId("final-class").count()) throw new Error("the school sees the review scores before publication");
    const p = principal.page;
    current = p;
    await p.getByRole("button", { name: "Xem lại và nộp" }).click();
    await p.locator(".submit-drawer").getByText("Hiệu trưởng xem lại nội dung").waitFor();
    await p.waitForTimeout(400);
    await p.getByRole("button", { name: "Nộp lại báo cáo", exact: true }).click();
    await p.locator(".ant-tag").getByText("Đã nộp lại", { exact: true }).first().waitFor();
  });

  await step("reviewer approves; the school sees it approved", async () => {
    const { page } = reviewer;
    current = page;
    await page.goto(submissionUrl);
    await page.locator("#approve-comment").fill("Báo cáo đầy đủ, minh chứng phù hợp.");
    // The guard first: with evidence not yet looked at, the dialog says why and approval stays disabled.
    await page.getByRole("button", { name: "Phê duyệt…" }).click();
    const dialog = page.getByRole("dialog", { name: "Xác nhận phê duyệt" });
    await dialog.getByText("Chưa phê duyệt được:").waitFor();
    await dialog.getByText(/minh chứng chưa được xem xét/).waitFor();
    await shoot(page, "16a-approve-refused-by-guard");
    await dialog.getByRole("button", { name: "Huỷ" }).click();
    await dialog.waitFor({ state: "hidden" });
    const accepts = page.locator(".review-layout").getByRole("button", { name: "Đạt", exact: true });
    for (let i = 0; i < await accepts.count(); i += 1) {
      await accepts.nth(i).click();
      await page.waitForTimeout(300);
    }
    await page.getByRole("button", { name: "Phê duyệt…" }).click();
    const accept = dialog.getByRole("checkbox", { name: /Chấp nhận điểm tự chấm/ });
    await dialog.getByText("Phê duyệt báo cáo của").waitFor();
    if (await accept.count()) await accept.check();
    await dialog.getByText("Chưa phê duyệt được:").waitFor({ state: "hidden" });
    await dialog.getByText("Trường THCS Hòa Bình").waitFor();
    await shoot(page, "16b-approve-confirmation");
    await dialog.getByRole("button", { name: "Phê duyệt", exact: true }).click();
    await page.getByText("Đã phê duyệt báo cáo.").waitFor();
    const o = officer.page;
    current = o;
    await o.goto(`${BASE}/`);
    await o.getByText("Đã hoàn thành hoặc đã đóng").waitFor();
    await o.locator(".campaign-card").getByText("Đã duyệt", { exact: true }).waitFor();
    await shoot(o, "16-school-approved");
  });

  await step("export of the printable report", async () => {
    const { page } = officer;
    current = page;
    await page.goto(submissionUrl);
    await page.getByRole("button", { name: "Xuất báo cáo" }).click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByText("Bản in PDF (để ký, đóng dấu)").click()]);
    if (!download.suggestedFilename().endsWith(".pdf")) throw new Error(`download named ${download.suggestedFilename()}`);
  });

  const admin = await session(SO_ADMIN);
  await step("campaign creation wizard with target preview", async () => {
    const { page } = admin;
    current = page;
    await page.goto(`${BASE}/campaigns/new`);
    await page.getByLabel("Tiêu đề").fill("Kế hoạch ứng dụng CNTT năm học 2026-2027");
    await page.getByLabel("Loại báo cáo").click();
    await page.getByTitle("Kế hoạch năm").click();
    await page.getByLabel("Căn cứ (công văn)").fill("Công văn 2664/SGDĐT-VP");
    await shoot(page, "17-wizard-general");
    await page.getByRole("button", { name: "Tiếp tục" }).click();
    await page.getByRole("button", { name: "Tiếp tục" }).click();
    await page.getByRole("button", { name: "Tiếp tục" }).click(); // the rubric step: none
    await page.getByLabel("Mở từ (giờ Việt Nam)").fill("01/12/2026 07:00");
    await page.keyboard.press("Enter");
    await page.getByLabel("Hạn nộp (giờ Việt Nam)").fill("21/12/2026 17:00");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Tiếp tục" }).click();
    await page.getByText("THCS", { exact: true }).click();
    await page.getByRole("button", { name: "Xem trước đơn vị" }).click();
    await page.getByText(/đơn vị sẽ phải nộp báo cáo, hạn 21\/12\/2026 17:00/).waitFor();
    await shoot(page, "18-wizard-preview");
    await page.getByRole("button", { name: "Lưu bản nháp" }).click();
    await page.getByText("Bản nháp", { exact: true }).waitFor();
  });

  await step("units and users admin; an import shows its row errors", async () => {
    const { page } = admin;
    current = page;
    await page.goto(`${BASE}/admin/units`);
    await page.getByPlaceholder(/Tìm theo tên hoặc mã/).fill("truong hoa binh");
    await page.getByPlaceholder(/Tìm theo tên hoặc mã/).press("Enter");
    await page.locator(".ant-table-row").filter({ hasText: "Trường THCS Hòa Bình" }).waitFor();
    await shoot(page, "19-units");
    await page.goto(`${BASE}/admin/users`);
    await page.locator(".ant-table-row").first().waitFor();
    await page.getByRole("button", { name: "Nhập từ Excel" }).click();
    await page.getByTestId("import-file").setInputFiles(args["bad-users"]);
    await page.getByRole("button", { name: "Kiểm tra tệp" }).click();
    await page.getByText("Kết quả kiểm tra (chưa ghi gì)").waitFor();
    await page.locator(".ant-modal .ant-table-row").first().waitFor();
    await shoot(page, "20-users-import-errors");
  });


  await step("the Sở publishes the results: distribution, ranks, export", async () => {
    const { page } = admin;
    current = page;
    await page.goto(`${BASE}/campaigns`);
    await page.getByRole("link", { name: /Báo cáo tổng kết ứng dụng CNTT/ }).first().click();
    await page.getByRole("button", { name: "Kết quả chấm điểm" }).click();
    await page.waitForURL(/\/results$/);
    const row = page.locator(".ant-table-row").filter({ hasText: "Trường THCS Hòa Bình" });
    // The final total is the row's <strong>: the review column shows the same figure once every criterion is
    // review-scored, so the bare text matched two cells.
    await row.locator("strong").filter({ hasText: /^84,25$/ }).waitFor();
    await row.getByTitle(/Điểm thẩm định của \d+\/\d+ tiêu chí/).waitFor();
    await row.getByText("Tốt", { exact: true }).waitFor();
    await page.locator(".class-chart").waitFor();
    const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Xuất Excel" }).click()]);
    if (!file.suggestedFilename().endsWith(".xlsx")) throw new Error(`results export named ${file.suggestedFilename()}`);
    await shoot(page, "27-results");
    await page.getByRole("button", { name: "Công bố kết quả" }).click();
    await page.locator(".ant-modal-confirm-title").getByText("Công bố kết quả?").waitFor();
    await page.locator(".ant-modal-confirm").getByRole("button", { name: "Công bố" }).click();
    await page.getByText("Đã công bố kết quả.").waitFor();
    await page.getByText(/^Đã công bố \d/).waitFor();
  });

  await step("the school sees its final score and class once published", async () => {
    const { page } = officer;
    current = page;
    await page.goto(submissionUrl);
    await scoresTab(page, "Tự chấm điểm");
    const result = page.getByTestId("published-result");
    await result.getByText("84,25 / 100").waitFor();
    await result.locator(".class-tag").getByText("Tốt").waitFor();
    await criterionRow(page, "2.3").getByText("Mới triển khai phân hệ quản lý học sinh").waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "28-school-published-result");
    await result.getByRole("link", { name: "Xem kết quả các đơn vị" }).click();
    await page.locator(".ant-table-row").filter({ hasText: "Trường THCS Hòa Bình" }).getByText("Tốt").waitFor();
    await shoot(page, "29-published-list");
  });

  await step("rubrics: list, the seed-004 rubric, import with a dry run", async () => {
    const { page } = admin;
    current = page;
    await page.goto(`${BASE}/rubrics`);
    await page.getByRole("link", { name: /Tiêu chuẩn đánh giá nhiệm vụ công nghệ thông tin/ }).first().click();
    await page.locator(".rubric-table").getByText("Ứng dụng CNTT trong công tác quản lý, điều hành").waitFor();
    await shoot(page, "30-rubric");
    await page.getByRole("button", { name: "Xuất" }).click();
    const [file] = await Promise.all([page.waitForEvent("download"), page.getByText("Tệp Excel (XLSX)").click()]);
    const exported = join(OUT, "..", "rubric-export.xlsx");
    await file.saveAs(exported);
    await page.goto(`${BASE}/rubrics`);
    await page.getByRole("button", { name: "Nhập từ tệp" }).click();
    if (args["bad-rubric"]) {
      await page.getByTestId("rubric-file").setInputFiles(args["bad-rubric"]);
      await page.getByRole("button", { name: "Kiểm tra tệp" }).click();
      await page.locator(".ant-modal .ant-table-row").first().waitFor();
      await shoot(page, "31-rubric-import-errors");
    }
    await page.getByTestId("rubric-file").setInputFiles(exported);
    await page.getByRole("button", { name: "Kiểm tra tệp" }).click();
    await page.getByText(/Tệp hợp lệ \(chưa ghi gì\)/).waitFor();
    await shoot(page, "32-rubric-import-preview");
  });

  await step("account page, language switch, error page", async () => {
    const { page } = officer;
    current = page;
    await page.goto(`${BASE}/account`);
    await page.getByText("Đổi mật khẩu").first().waitFor();
    // The deadline calendar: a link made, shown once with its webcal:// twin, then made anew (the first stops).
    await page.getByLabel("Tên gợi nhớ").fill("Điện thoại của cán bộ CNTT");
    await page.getByRole("button", { name: "Tạo đường dẫn lịch" }).click();
    const url = page.locator("#calendar-url");
    await url.waitFor();
    const first = await url.inputValue();
    const webcal = await page.getByRole("link", { name: "Mở trong ứng dụng lịch" }).getAttribute("href");
    if (!/^https?:\/\/.+\.ics$/.test(first) || webcal !== first.replace(/^https?:/, "webcal:")) throw new Error(`calendar links ${first} / ${webcal}`);
    await page.locator(".calendar-feeds").getByText("Điện thoại của cán bộ CNTT").waitFor();
    await page.getByRole("button", { name: "Tạo lại đường dẫn" }).click();
    await page.locator(".ant-popconfirm").getByText("Đường dẫn cũ sẽ ngừng hoạt động ngay", { exact: false }).waitFor();
    await page.locator(".ant-popconfirm").getByRole("button", { name: "Tạo lại" }).click();
    await page.getByText("đường dẫn cũ đã ngừng hoạt động").waitFor();
    const second = await url.inputValue();
    if (second === first) throw new Error("regenerating kept the same link");
    if (args["calendar-urls"]) writeFileSync(args["calendar-urls"], JSON.stringify({ first, second }));
    await page.locator(".ant-popconfirm").waitFor({ state: "hidden" });
    await page.locator(".calendar-url").evaluate((el) => el.closest(".ant-card").scrollIntoView());
    await shoot(page, "21-account");
    await page.goto(`${BASE}/`);
    await page.getByText("EN", { exact: true }).click();
    await page.getByText("Our reports").first().waitFor();
    await shoot(page, "22-dashboard-english");
    await page.getByText("VI", { exact: true }).click();
    await page.goto(`${BASE}/submissions/00000000-0000-4000-8000-000000000000`);
    await page.getByRole("button", { name: "Về trang chủ" }).waitFor();
    await shoot(page, "23-error-not-found");
  });
});
