"""Budget: the JavaScript the browser must fetch before the SPA's shell runs, gzipped — under 300 KB.

    .venv/bin/python bench/spa_bundle.py [--no-build] [--no-append] [--budget-kb 300]

Builds the SPA (`npm run build` in frontend/, unless --no-build), then reads Vite's manifest
(`frontend/dist/.vite/manifest.json`): the first load is the entry chunk of `index.html` and every chunk it
imports statically, recursively (what `index.html` loads or modulepreloads). Chunks behind a dynamic
`import()` — every screen, since routes are split — are not part of it; the report lists what each first
screen adds on top (the login page for a visitor, the school dashboard, the editor, the status board). Each
file is gzipped at level 9 here, as a server or CDN would send it. Exits 1 when the shell is over budget.
Appends the report to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FRONTEND = REPO / "frontend"
DIST = FRONTEND / "dist"
# First screens worth knowing the cost of: (what, source of the route's lazy module).
SCREENS = [
    ("login page (a visitor's first screen)", "src/features/auth/LoginPage.tsx"),
    ("school dashboard", "src/features/submissions/HomePage.tsx"),
    ("submission editor / review screen", "src/features/submissions/SubmissionPage.tsx"),
    ("campaign list", "src/features/campaigns/CampaignListPage.tsx"),
    ("campaign status board", "src/features/campaigns/CampaignLinkPage.tsx"),
]


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def closure(manifest: dict[str, dict], start: str, seen: set[str] | None = None) -> set[str]:
    """`start` and every chunk it imports statically, recursively (manifest keys)."""
    seen = set() if seen is None else seen
    if start in seen:
        return seen
    seen.add(start)
    for imported in manifest[start].get("imports", []):
        closure(manifest, imported, seen)
    return seen


def files_of(manifest: dict[str, dict], keys: set[str]) -> set[str]:
    return {manifest[key]["file"] for key in keys if manifest[key]["file"].endswith(".js")}


def measure(budget_kb: float) -> tuple[str, bool]:
    manifest = json.loads((DIST / ".vite" / "manifest.json").read_text())
    shell_keys = closure(manifest, "index.html")
    shell = files_of(manifest, shell_keys)
    sizes = {f: gzipped(DIST / f) for f in shell}
    raw = sum((DIST / f).stat().st_size for f in shell)
    total = sum(sizes.values())
    # Swagger UI (for /api/docs, see frontend/vite.plugins.ts) ships in the build but is no part of the SPA.
    all_js = sorted(p for p in DIST.glob("assets/*.js") if not p.name.startswith("swagger-ui"))
    ok = total <= budget_kb * 1000
    lines = [
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC, Node {node_version()}, "
        f"Python {platform.python_version()}; `.venv/bin/python bench/spa_bundle.py`.",
        "",
        "| requirement | measured | |",
        "|---|---|---|",
        f"| first load of the app shell under {budget_kb:.0f} KB of JavaScript, gzipped | "
        f"**{total / 1000:.1f} KB** gzipped ({raw / 1000:.0f} KB raw) in {len(shell)} files | "
        f"{'met' if ok else 'NOT met'} |",
        "",
        f"KB = 1,000 bytes; gzip level 9. The build has {len(all_js)} JavaScript files in all "
        f"({sum(gzipped(f) for f in all_js) / 1000:.0f} KB gzipped): the rest load with the screen that needs "
        "them.",
        "",
        "### The shell's files",
        "| file | gzipped KB |",
        "|---|---:|",
        *[f"| `{name}` | {size / 1000:.1f} |" for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])],
        "",
        "### What a first screen adds on top of the shell",
        "| screen | added gzipped KB | shell + screen KB |",
        "|---|---:|---:|",
    ]
    for what, source in SCREENS:
        if source not in manifest:
            continue
        extra = files_of(manifest, closure(manifest, source)) - shell
        added = sum(gzipped(DIST / f) for f in extra)
        lines.append(f"| {what} | {added / 1000:.1f} | {(total + added) / 1000:.1f} |")
    return "\n".join(lines), ok


def node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True,  # noqa: S607
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def replace_section(results: Path, heading: str, text: str) -> None:
    """This benchmark's section of RESULTS.md holds its last run: an earlier one (up to the next benchmark's
    heading) is replaced, or the section is added at the end."""
    current = results.read_text() if results.exists() else ""
    section = f"{heading}\n\n{text.strip()}\n"
    if heading in current:
        before, after = current.split(heading, 1)
        following = after.find("\n# Benchmark:")
        rest = after[following:].lstrip("\n") if following >= 0 else ""
        results.write_text(before + section + ("\n---\n\n" + rest if rest else ""))
    else:
        results.write_text(current.rstrip() + "\n\n---\n\n" + section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-build", action="store_true", help="measure frontend/dist as it is")
    parser.add_argument("--no-append", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument("--budget-kb", type=float, default=300)
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True, stdout=subprocess.DEVNULL)  # noqa: S607
    text, ok = measure(args.budget_kb)
    print(text)
    if not args.no_append:
        replace_section(REPO / "bench" / "RESULTS.md", "# Benchmark: SPA first-load budget", text)
        print("\n(written to bench/RESULTS.md)", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
