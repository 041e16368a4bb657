"""One running system for the security tests (the matrix first, then the fuzzer): a start costs a minute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import RunningSystem, embedded_system


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    with embedded_system(tmp_path_factory.mktemp("security")) as running:
        yield running
