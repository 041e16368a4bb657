"""Committed lock files record no download address and no path of a developer's machine."""

from __future__ import annotations

import re

from tests.support import REPO

ADDRESS = re.compile(r"https?://|file:|/work/|/root/|/home/")


def test_package_lock_names_no_address_or_machine_path() -> None:
    locks = [REPO / "frontend" / "package-lock.json", *sorted((REPO / "clients").glob("*/package-lock.json"))]
    assert len(locks) >= 3  # the SPA's, the SDK tooling's, the TypeScript client's
    for lock in locks:
        found = sorted({m.group(0) for m in ADDRESS.finditer(lock.read_text())})
        assert found == [], f"run scripts/strip_lock_urls.py after npm install ({lock.name}: found {found})"


def test_requirements_name_no_index() -> None:
    for path in REPO.glob("requirements*.txt"):
        for line in path.read_text().splitlines():
            assert not line.lstrip().startswith(("-i", "--index-url", "--extra-index-url", "--find-links")), path
            assert "://" not in line and not line.lstrip().startswith(("/", "file:")), (path, line)
