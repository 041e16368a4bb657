"""One running system for the security tests (the matrix first, then the fuzzer): a start costs a minute."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import RunningSystem, embedded_system


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # thousands of requests a minute from one address and one admin: far above what the limits allow a person
    # (the login and password-reset limits stay as they are)
    raised = {"GATEWAY_REQUESTS_PER_MINUTE_PER_IP": "100000", "GATEWAY_REQUESTS_PER_MINUTE_PER_USER": "100000",
              # every refused sign-in, refresh and service-credential cell counts at identity too
              "IDENTITY_AUTH_REQUESTS_PER_MINUTE_PER_ADDRESS": "100000"}
    saved = {k: os.environ.get(k) for k in raised}
    os.environ.update(raised)
    # five migrations and six processes: on a loaded 2-core machine that can take longer than the e2e default
    with embedded_system(tmp_path_factory.mktemp("security"), start_timeout=300) as running:
        yield running
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
