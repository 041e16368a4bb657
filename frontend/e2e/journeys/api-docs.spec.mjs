// /api/docs in Debian's Chromium under @playwright/test (was frontend/e2e/api-docs.mjs): Swagger UI must list
// the API's operations from files the gateway serves itself, under its CSP, with no request leaving the machine.
// Inputs in EDUDX_E2E_ARGS: base-url, result (a file that receives one JSON object, read by
// tests/e2e/test_api_docs_browser.py: the operations shown, every URL the page asked for, CSP violations and
// page errors). Fails when the page did not render any operation.
import { writeFileSync } from "node:fs";
import { test } from "@playwright/test";
import { args, BASE } from "../support/journey.mjs";

test("API documentation: Swagger UI lists the operations", async ({ browser }) => {
  const result = { requests: [], cspViolations: [], pageErrors: [], operations: [], status: null, contentEncodings: {} };
  try {
    const context = await browser.newContext();
    context.on("request", (request) => result.requests.push(request.url()));
    context.on("response", (response) => {
      const encoding = response.headers()["content-encoding"];
      if (encoding) result.contentEncodings[new URL(response.url()).pathname] = encoding;
    });
    const page = await context.newPage();
    // Violations are reported to the page as events; collected before any script of the page runs.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) result.cspViolations.push(message.text());
    });
    page.on("pageerror", (error) => result.pageErrors.push(String(error)));
    const response = await page.goto(`${BASE}/api/docs`, { waitUntil: "load" });
    result.status = response?.status() ?? null;
    await page.locator(".opblock .opblock-summary-path").first().waitFor({ timeout: 60_000 });
    await page.waitForLoadState("networkidle");
    // Swagger UI renders only the operations near the viewport (the rest appear as one scrolls), so the check reads
    // the page as a person does: scroll down a screen at a time, collecting every operation shown, until the list
    // holds as many operations as the document it was given, or the bottom stays reached.
    const spec = await (await fetch(`${BASE}/api/openapi.json`)).json();
    const expected = Object.values(spec.paths).reduce((n, item) =>
      n + Object.keys(item).filter((m) => ["get", "post", "put", "patch", "delete"].includes(m)).length, 0);
    const seen = new Set();
    for (let stuck = 0, steps = 0; seen.size < expected && stuck < 6 && steps < 400; steps++) {
      const shown = await page.locator(".opblock").evaluateAll((blocks) =>
        blocks.map((b) => `${b.querySelector(".opblock-summary-method")?.textContent?.trim()} ` +
          `${b.querySelector(".opblock-summary-path")?.getAttribute("data-path")}`));
      const before = seen.size;
      shown.forEach((operation) => seen.add(operation));
      const atBottom = await page.evaluate(() => {
        window.scrollBy(0, window.innerHeight * 0.8);
        return window.innerHeight + window.scrollY >= document.body.scrollHeight - 2;
      });
      stuck = atBottom && seen.size === before ? stuck + 1 : 0;
      await page.waitForTimeout(150);
    }
    result.operations = [...seen];
    result.title = await page.locator(".information-container .title").first().textContent().catch(() => null);
    result.cspViolations.push(...(await page.evaluate(() => window.__cspViolations)));
  } catch (error) {
    result.error = String(error);
  }

  if (args.result) writeFileSync(args.result, JSON.stringify(result));
  if (result.operations.length === 0) throw new Error(`no operation shown: ${result.error ?? "(no error)"}`);
});
