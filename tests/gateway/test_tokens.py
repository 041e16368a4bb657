from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import pytest

from tests.gateway.conftest import SigningKey, StartGateway, UpstreamApp, assert_problem, make_signing_key, make_token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims() -> dict[str, object]:
    now = int(time.time())
    return {"sub": "8d3c4a52-0000-4000-8000-000000000001", "kind": "user", "roles": ["system_admin"],
            "iss": "edudx-identity", "aud": "edudx", "iat": now, "exp": now + 300}


def _tampered(key: SigningKey) -> str:
    header, _, signature = make_token(key).split(".")
    return f"{header}.{_b64(json.dumps(_claims()).encode())}.{signature}"


def _alg_none(key: SigningKey) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": key.kid}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}."


def _hs256_with_public_key(key: SigningKey) -> str:
    # The classic algorithm-confusion forgery: the public key, which anyone can fetch, as an HMAC secret.
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}"
    signature = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _other_key_same_kid(key: SigningKey) -> str:
    return make_token(make_signing_key(kid=key.kid))


BAD_TOKENS: dict[str, Callable[[SigningKey], str]] = {
    "tampered-claims": _tampered,
    "expired": lambda key: make_token(key, iat=int(time.time()) - 600, exp=int(time.time()) - 60),
    "alg-none": _alg_none,
    "hs256-with-public-key": _hs256_with_public_key,
    "wrong-audience": lambda key: make_token(key, aud="another-system"),
    "wrong-issuer": lambda key: make_token(key, iss="someone-else"),
    "unknown-kid": lambda key: make_token(key, kid="retired-or-invented"),
    "signed-by-another-key": _other_key_same_kid,
    "not-a-user-or-service": lambda key: make_token(key, kind="robot"),
    "garbage": lambda key: "garbage",
    "garbage-with-dots": lambda key: "a.b.c",
}


@pytest.mark.parametrize("forge", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_invalid_token_is_401_before_reaching_the_service(
    start_gateway: StartGateway, upstream: UpstreamApp, signing_key: SigningKey, forge: Callable[[SigningKey], str]
) -> None:
    client = await start_gateway({"submissions": upstream.url})

    response = await client.get("/api/submissions/campaigns", headers={"authorization": f"Bearer {forge(signing_key)}"})

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_valid_token_passes_with_its_header(
    start_gateway: StartGateway, upstream: UpstreamApp, signing_key: SigningKey
) -> None:
    client = await start_gateway({"submissions": upstream.url})
    token = make_token(signing_key)

    response = await client.get("/api/submissions/campaigns", headers={"authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert dict(response.json()["headers"])["authorization"] == f"Bearer {token}"


async def test_request_without_token_passes(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"submissions": upstream.url})

    response = await client.get("/api/submissions/campaigns")

    assert response.status_code == 200
    assert "authorization" not in dict(response.json()["headers"])


async def test_keys_come_from_identity_jwks_by_default(
    start_gateway: StartGateway, upstream: UpstreamApp, signing_key: SigningKey
) -> None:
    upstream.jwks = signing_key.jwks
    client = await start_gateway({"identity": upstream.url}, remote_jwks=True)

    valid = await client.get("/api/identity/me", headers={"authorization": f"Bearer {make_token(signing_key)}"})
    forged = await client.get(
        "/api/identity/me", headers={"authorization": f"Bearer {_other_key_same_kid(signing_key)}"}
    )

    assert valid.status_code == 200
    assert_problem(forged, 401, "unauthorized")
