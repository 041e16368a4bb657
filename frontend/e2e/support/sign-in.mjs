// Signing in as a person does, keyboard only: type the e-mail, Tab to the password, Enter submits. Shared by the
// journeys (frontend/e2e/journeys).
export async function signIn(page, base, email, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel("Thư điện tử").fill(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}
