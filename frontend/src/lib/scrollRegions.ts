// A table wider than a phone scrolls sideways inside its own box; a keyboard user can only scroll a box that
// takes focus (WCAG 2.1.1, axe "scrollable-region-focusable"). Every such box the app renders (Ant Design's
// tables, wide answer tables) is made focusable and named after its table, whatever screen renders it.

const SCROLLERS = ".ant-table-content, .ant-table-body, .table-scroll";

export function markScrollRegions(root: ParentNode = document): void {
  for (const box of Array.from(root.querySelectorAll<HTMLElement>(SCROLLERS))) {
    const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      const caption = box.closest(".ant-card")?.querySelector(".ant-card-head-title")?.textContent?.trim();
      box.setAttribute("aria-label", caption ? `${caption} (cuộn ngang để xem thêm)` : "Bảng (cuộn ngang để xem thêm)");
    } else if (!scrolls && box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
}

/** Keep marking as screens render and resize; returns the cleanup. */
export function watchScrollRegions(): () => void {
  let pending = 0;
  const schedule = () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      markScrollRegions();
    });
  };
  const observer = new MutationObserver(schedule);
  observer.observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", schedule);
  schedule();
  return () => {
    observer.disconnect();
    window.removeEventListener("resize", schedule);
    cancelAnimationFrame(pending);
  };
}
