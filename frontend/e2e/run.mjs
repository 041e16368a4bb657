// The SPA's main flows in headless Debian Chromium (playwright-core, never a downloaded browser), against a
// running EduDX (the embedded run started by tests/e2e/test_spa_browser.py):
//
//   node e2e/run.mjs --base-url http://127.0.0.1:8000 --out ../var/screenshots --pdf report.pdf --photo photo.jpg \
//     --bad-users users.xlsx
//
// An IT officer signs in, fills the seed-004 report, uploads a PDF (progress shown on a slowed link) and a
// phone photo through the camera input (with the connection dropped and back: the upload retries); the
// principal's first submit is refused by section, then the report is completed and submitted; a reviewer at
// the Sở opens the status board, searches without diacritics, opens the report, previews the PDF and returns
// it with comments; the school fixes and resubmits; the reviewer approves; the school sees it approved.
// Also: the campaign wizard, units and users admin with an import showing row errors, the account page, the
// language switch, an error page. Every main screen is saved at 1280 px and 375 px wide. Prints
// "N passed, M failed" and exits 1 on any failure (with a screenshot named FAILED-…).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const BASE = args["base-url"] ?? "http://127.0.0.1:8000";
const OUT = args.out ?? "screenshots";
const PASSWORD = "EduDX@2025";
const OFFICER = "cntt.hoabinh@vinhlong.edu.vn";
const PRINCIPAL = "hieutruong.hoabinh@vinhlong.edu.vn";
const REVIEWER = "thamdinh.so@vinhlong.edu.vn";
const PHONG_ADMIN = "cntt.longho@vinhlong.edu.vn";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
});

let passed = 0;
let failed = 0;
const shots = [];
let current = null;

async function step(name, work) {
  const started = Date.now();
  try {
    await work();
    passed++;
    console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed++;
    console.log(`✗ ${name}\n  ${String(error?.stack ?? error).split("\n").slice(0, 6).join("\n  ")}`);
    if (current) await current.screenshot({ path: join(OUT, `FAILED-${name.replace(/[^\w-]+/g, "_")}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

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
  await page.goto(`${BASE}/login`);
  // Keyboard only: type, Tab to the password, Enter submits.
  await page.getByLabel("Thư điện tử").fill(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  return { context, page };
}

const field = (page, id) => page.locator(`#field-${id}`);
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

try {
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

  const principal = await session(PRINCIPAL);
  await step("principal's submit is refused by section, then fixed and submitted", async () => {
    const { page } = principal;
    current = page;
    await page.getByRole("button", { name: "Tiếp tục soạn" }).click();
    await page.waitForURL(/\/submissions\//);
    await page.getByRole("button", { name: "Xem lại và nộp" }).click();
    await page.locator(".submit-drawer").getByText("Hiệu trưởng xem lại nội dung").waitFor();
    await page.waitForTimeout(400); // the drawer slides in
    await page.getByRole("button", { name: "Nộp báo cáo", exact: true }).click();
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
    await page.getByRole("button", { name: "Nộp báo cáo", exact: true }).click();
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

  await step("reviewer previews the PDF and returns the report with comments", async () => {
    const { page } = reviewer;
    current = page;
    await page.locator(".units-card .ant-table-row").filter({ hasText: "Trường THCS Hòa Bình" }).getByRole("link", { name: "Mở báo cáo" }).click();
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
    await page.locator("#section-3").getByRole("button", { name: "Chưa đủ" }).first().click();
    await page.getByPlaceholder(/văn bản hết hiệu lực/).fill("Ảnh chưa thấy rõ số máy tính trong phòng.");
    await page.getByRole("button", { name: "Lưu" }).click();
    await page.locator("#section-3").getByText("Chưa đủ", { exact: true }).last().waitFor();
    await page.locator("#note-3").fill("Bổ sung danh sách tin bài đã đăng trên cổng thông tin (tối thiểu 40 tin bài).");
    await page.locator("#return-general").fill("Đề nghị nhà trường bổ sung minh chứng mục 3 và nộp lại.");
    await page.getByRole("button", { name: "Trả lại để sửa" }).click();
    await page.getByText("Đã trả lại báo cáo cho trường.").waitFor();
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
    await page.getByRole("button", { name: "Phê duyệt" }).click();
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

  const admin = await session(PHONG_ADMIN);
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

  await step("account page, language switch, error page", async () => {
    const { page } = officer;
    current = page;
    await page.goto(`${BASE}/account`);
    await page.getByText("Đổi mật khẩu").first().waitFor();
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
} catch {
  // reported by step(); fall through to the summary
} finally {
  await browser.close();
}

console.log(`screenshots (${shots.length} screens × desktop and 375 px) in ${OUT}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
