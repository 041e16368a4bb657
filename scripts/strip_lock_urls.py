"""Remove what npm writes into frontend/package-lock.json that names a download address: `resolved` URLs and
`funding` links. `npm ci` needs neither. Run after `npm install` changes the lock file."""

from __future__ import annotations

import json
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "frontend" / "package-lock.json"
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
    document = json.loads(LOCK.read_text())
    removed = strip(document)
    LOCK.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"removed {removed} URL fields from {LOCK.name}")


if __name__ == "__main__":
    main()
