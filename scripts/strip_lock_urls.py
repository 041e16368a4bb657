"""Remove what npm writes into the npm lock files (the SPA's and clients/*) that names a download address:
`resolved` URLs and `funding` links. `npm ci` needs neither. Run after `npm install` changes the lock file."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCKS = [REPO / "frontend" / "package-lock.json", *sorted((REPO / "clients").glob("*/package-lock.json"))]
URL_FIELDS = ("resolved", "funding")


def strip(document: dict) -> int:  # type: ignore[type-arg]
    removed = 0
    for package in document.get("packages", {}).values():
        for field in URL_FIELDS:
            if field in package:
                del package[field]
                removed += 1
    return removed


def main() -> None:
    for lock in LOCKS:
        document = json.loads(lock.read_text())
        removed = strip(document)
        lock.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"removed {removed} URL fields from {lock.relative_to(REPO)}")


if __name__ == "__main__":
    main()
