"""Secrets come from the environment, and no service starts in production with a placeholder one."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from pydantic import ValidationError

REAL = "a-real-secret-of-32-characters-xx"


def _settings(service: str) -> Any:
    return importlib.import_module(f"{service}.config").Settings


@pytest.mark.parametrize("service", ["submissions", "evidence", "scoring", "notifications"])
@pytest.mark.parametrize("placeholder", ["", "changeme", "secret", "  Password "])
def test_services_refuse_a_placeholder_client_secret_in_production(service: str, placeholder: str) -> None:
    settings = _settings(service)
    extra = {"s3_secret_key": REAL} if service == "evidence" else {}
    with pytest.raises(ValidationError, match="service_client_secret"):
        settings(environment="production", service_client_id=service, service_client_secret=placeholder, **extra)
    assert settings(environment="production", service_client_id=service, service_client_secret=REAL, **extra)
    # Development and tests run with whatever the example files hold.
    assert settings(environment="development", service_client_id=service, service_client_secret=placeholder)


def test_evidence_refuses_a_placeholder_storage_key_in_production() -> None:
    with pytest.raises(ValidationError, match="s3_secret_key"):
        _settings("evidence")(environment="production", s3_secret_key="changeme")


def test_identity_refuses_weak_service_secrets_and_fast_hashing_in_production() -> None:
    settings = _settings("identity")
    with pytest.raises(ValidationError, match="IDENTITY_SERVICE_CLIENTS"):
        settings(environment="production", service_clients={"submissions": "changeme"})
    with pytest.raises(ValidationError, match="IDENTITY_SERVICE_CLIENTS"):
        settings(environment="production", service_clients={"submissions": "short-secret"})
    with pytest.raises(ValidationError, match="PASSWORD_HASH_FAST"):
        settings(environment="production", service_clients={"submissions": REAL}, password_hash_fast=True)
    with pytest.raises(ValidationError, match="smtp_password"):
        settings(environment="production", smtp_username="no-reply", smtp_password="password")
    assert settings(environment="production", service_clients={"submissions": REAL})
    assert settings(environment="test", service_clients={"submissions": "x"}, password_hash_fast=True)
