"""One running system for the security tests (the matrix first, then the fuzzer): a start costs a minute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import RunningSystem, embedded_system


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # thousands of requests a minute from one address and one admin: far above what the limits allow a person
    # (the password-reset limit stays as it is; the limits themselves are tested in tests/gateway and
    # tests/identity)
    raised = {"GATEWAY_REQUESTS_PER_MINUTE_PER_IP": "100000", "GATEWAY_REQUESTS_PER_MINUTE_PER_USER": "100000",
              # the matrix's sign-in cells and both suites' worlds sign in dozens of times within a minute
              "GATEWAY_LOGIN_RATE_PER_MINUTE": "1000",
              # every refused sign-in, refresh and service-credential cell counts at identity too
              "IDENTITY_AUTH_REQUESTS_PER_MINUTE_PER_ADDRESS": "100000",
              # the matrix sends its cells a few at a time: import cells must not meet the per-process bound
              "IDENTITY_MAX_CONCURRENT_IMPORTS": "16", "SCORING_MAX_CONCURRENT_IMPORTS": "16"}
    # five migrations and six processes: on a loaded 2-core machine that can take longer than the e2e default
    with embedded_system(tmp_path_factory.mktemp("security"), start_timeout=300, settings=raised) as running:
        yield running
