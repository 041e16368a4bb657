"""One running system for the security tests (the matrix first, then the fuzzer): a start costs a minute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import RunningSystem, embedded_system


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # five migrations and six processes: on a loaded 2-core machine that can take longer than the e2e default
    with embedded_system(tmp_path_factory.mktemp("security"), start_timeout=300) as running:
        yield running
