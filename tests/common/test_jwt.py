"""Token verification against a JWKS served over real HTTP: caching, refetch on an unknown kid, outages."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest
from fastapi import FastAPI

from edudx_common.jwt import InvalidToken, RemoteJWKS, TokenVerifier
from identity.keys import generate_private_key_pem, load_signing_key
from tests.servers import serve


class KeyServer:
    """A JWKS endpoint whose published keys the test changes, counting how often it is fetched."""

    def __init__(self) -> None:
        self.jwks: dict[str, object] = {"keys": []}
        self.fetches = 0
        self.app = FastAPI()

        @self.app.get("/jwks")
        async def jwks() -> dict[str, object]:
            self.fetches += 1
            return self.jwks

        @self.app.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}


@pytest.fixture
def key_server() -> Iterator[tuple[KeyServer, str]]:
    server = KeyServer()
    with serve(server.app) as url:
        yield server, url


def _token(private_pem: bytes, kid: str, **claims: object) -> str:
    now = int(time.time())
    body = {"iss": "edudx-identity", "aud": "edudx", "sub": "u1", "iat": now, "exp": now + 60, **claims}
    return str(jwt.encode(body, private_pem.decode(), algorithm="RS256", headers={"kid": kid}))


def _key(tmp_path, name: str):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.pem"
    path.write_bytes(generate_private_key_pem())
    return load_signing_key(str(path), [])


async def test_rotated_key_is_picked_up_on_unknown_kid(key_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, url = key_server
    old, new = _key(tmp_path, "old"), _key(tmp_path, "new")
    server.jwks = old.jwks
    verifier = TokenVerifier(RemoteJWKS(f"{url}/jwks", min_refetch_seconds=0), issuer="edudx-identity",
                             audience="edudx")

    assert (await verifier.verify(_token(old.private_pem, old.kid)))["sub"] == "u1"
    assert (await verifier.verify(_token(old.private_pem, old.kid)))["sub"] == "u1"
    assert server.fetches == 1  # cached

    server.jwks = {"keys": [*new.jwks["keys"], *old.jwks["keys"]]}
    assert (await verifier.verify(_token(new.private_pem, new.kid)))["sub"] == "u1"
    assert server.fetches == 2


async def test_a_withdrawn_key_is_refused_once_the_keys_are_announced_changed(  # type: ignore[no-untyped-def]
        key_server, tmp_path) -> None:
    server, url = key_server
    old, new = _key(tmp_path, "old"), _key(tmp_path, "new")
    server.jwks = old.jwks
    jwks = RemoteJWKS(f"{url}/jwks", min_refetch_seconds=0)
    verifier = TokenVerifier(jwks, issuer="edudx-identity", audience="edudx")
    token = _token(old.private_pem, old.kid)
    await verifier.verify(token)

    server.jwks = new.jwks  # the old key withdrawn at identity
    still_cached = (await verifier.verify(token))["sub"]
    # What a replica does when identity announces changed keys on Redis (edudx_common.app, gateway.main).
    jwks.invalidate()
    verifier.forget()
    with pytest.raises(InvalidToken):
        await verifier.verify(token)

    assert still_cached == "u1"
    assert (await verifier.verify(_token(new.private_pem, new.kid)))["sub"] == "u1"
    assert server.fetches == 2


async def test_unknown_kids_do_not_flood_identity(key_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, url = key_server
    key = _key(tmp_path, "k")
    server.jwks = key.jwks
    verifier = TokenVerifier(RemoteJWKS(f"{url}/jwks", min_refetch_seconds=60), issuer="edudx-identity",
                             audience="edudx")
    await verifier.verify(_token(key.private_pem, key.kid))

    for i in range(20):
        with pytest.raises(InvalidToken):
            await verifier.verify(_token(key.private_pem, f"random-{i}"))

    assert server.fetches == 1


async def test_known_keys_survive_an_identity_outage(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = _key(tmp_path, "k")
    server = KeyServer()
    server.jwks = key.jwks
    with serve(server.app) as url:
        jwks = RemoteJWKS(f"{url}/jwks", ttl_seconds=0, min_refetch_seconds=0)
        verifier = TokenVerifier(jwks, issuer="edudx-identity", audience="edudx")
        await verifier.verify(_token(key.private_pem, key.kid))

    # identity is gone; the cache is stale and the refetch fails, but the key we had still verifies
    assert (await verifier.verify(_token(key.private_pem, key.kid)))["sub"] == "u1"


async def test_claims_are_checked(key_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, url = key_server
    key = _key(tmp_path, "k")
    server.jwks = key.jwks
    verifier = TokenVerifier(RemoteJWKS(f"{url}/jwks"), issuer="edudx-identity", audience="edudx")

    for claims in ({"aud": "other"}, {"iss": "other"}, {"exp": int(time.time()) - 10}):
        with pytest.raises(InvalidToken):
            await verifier.verify(_token(key.private_pem, key.kid, **claims))
    with pytest.raises(InvalidToken):  # no expiry at all
        await verifier.verify(str(jwt.encode({"iss": "edudx-identity", "aud": "edudx", "sub": "u",
                                              "iat": int(time.time())}, key.private_pem.decode(),
                                             algorithm="RS256", headers={"kid": key.kid})))


class CountingKeys:
    """A key source that counts lookups: each lookup is one full verification of a token."""

    def __init__(self, jwks: dict[str, object]) -> None:
        self.keys = {k["kid"]: k for k in jwks["keys"]}  # type: ignore[attr-defined]
        self.lookups = 0

    async def get_key(self, kid: str) -> dict[str, object] | None:
        self.lookups += 1
        return self.keys.get(kid)


async def test_a_verified_token_is_remembered_until_it_expires(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = _key(tmp_path, "k")
    keys = CountingKeys(key.jwks)
    now = [time.time()]
    verifier = TokenVerifier(keys, issuer="edudx-identity", audience="edudx", remember_seconds=300,
                             clock=lambda: now[0])
    token = _token(key.private_pem, key.kid)  # expires in 60 s

    first = await verifier.verify(token)
    first["sub"] = "changed by a caller"  # callers get copies: the remembered claims stay as verified
    assert (await verifier.verify(token))["sub"] == "u1"
    assert keys.lookups == 1  # the second call did not verify again

    now[0] += 61  # past `exp`, though well within remember_seconds: not answered from memory any more
    await verifier.verify(token)  # (PyJWT checks `exp` against the real time, which has not moved)
    assert keys.lookups == 2


async def test_remembered_tokens_are_checked_again_after_a_while(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = _key(tmp_path, "k")
    keys = CountingKeys(key.jwks)
    now = [time.time()]
    verifier = TokenVerifier(keys, issuer="edudx-identity", audience="edudx", remember_seconds=10,
                             max_remembered=2, clock=lambda: now[0])
    token = _token(key.private_pem, key.kid)
    await verifier.verify(token)

    keys.keys.clear()  # the key is withdrawn from the JWKS
    await verifier.verify(token)  # still remembered
    now[0] += 11
    with pytest.raises(InvalidToken):
        await verifier.verify(token)

    keys.keys.update({k["kid"]: k for k in key.jwks["keys"]})
    tokens = [_token(key.private_pem, key.kid, sub=f"u{i}") for i in range(3)]
    for t in tokens:
        await verifier.verify(t)
    lookups = keys.lookups
    await verifier.verify(tokens[0])  # the oldest was dropped to keep at most two
    assert keys.lookups == lookups + 1


class CountingJWKS(RemoteJWKS):
    """Identity's JWKS, counting the key lookups (each one a full verification)."""

    lookups = 0

    async def get_key(self, kid: str) -> dict[str, object] | None:
        self.lookups += 1
        return await super().get_key(kid)


async def test_with_identitys_jwks_a_token_is_remembered_while_the_keys_are(  # type: ignore[no-untyped-def]
        key_server, tmp_path) -> None:
    server, url = key_server
    key = _key(tmp_path, "k")
    server.jwks = key.jwks
    now = [time.time()]
    jwks = CountingJWKS(f"{url}/jwks", ttl_seconds=600)
    verifier = TokenVerifier(jwks, issuer="edudx-identity", audience="edudx", clock=lambda: now[0])
    token = _token(key.private_pem, key.kid, exp=int(now[0]) + 900)
    await verifier.verify(token)

    now[0] += 300  # well past the 60 s kept for keys that cannot say, within the JWKS's 10 minutes
    await verifier.verify(token)
    assert jwks.lookups == 1

    now[0] += 301  # past the time the JWKS is due again (its age on the verifier's clock): verified again
    await verifier.verify(token)
    assert jwks.lookups == 2

    short = TokenVerifier(CountingJWKS(f"{url}/jwks", ttl_seconds=1), issuer="edudx-identity", audience="edudx",
                          clock=lambda: now[0])
    await short.verify(token)
    now[0] += 2  # a JWKS cached for 1 s: its tokens are remembered no longer
    await short.verify(token)
    assert short.keys.lookups == 2  # type: ignore[attr-defined]


async def test_a_key_gone_at_a_refetch_ends_the_memory_of_its_tokens(  # type: ignore[no-untyped-def]
        key_server, tmp_path) -> None:
    server, url = key_server
    old, new = _key(tmp_path, "old"), _key(tmp_path, "new")
    server.jwks = old.jwks
    verifier = TokenVerifier(RemoteJWKS(f"{url}/jwks", min_refetch_seconds=0), issuer="edudx-identity",
                             audience="edudx")
    token = _token(old.private_pem, old.kid)
    await verifier.verify(token)

    server.jwks = new.jwks  # withdrawn at identity, not announced: a token with the new key makes us refetch
    await verifier.verify(_token(new.private_pem, new.kid))
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


@pytest.mark.parametrize(("kind", "aud", "accepted_by"), [
    ("user", "edudx", {"scoring", "notifications", "gateway"}),  # a person's token works everywhere
    ("service", "edudx:scoring", {"scoring"}),  # a service's token only at the service it was issued for
    ("service", "edudx", set()),  # the old shared audience is not enough for a service token
    ("service", ["edudx:scoring", "edudx:notifications"], {"scoring", "notifications"}),
    ("user", "edudx:scoring", set()),
])
async def test_audience_depends_on_the_kind_of_token(tmp_path, kind: str, aud: object,  # type: ignore[no-untyped-def]
                                                     accepted_by: set[str]) -> None:
    key = _key(tmp_path, "k")
    keys = CountingKeys(key.jwks)
    verifiers = {name: TokenVerifier(keys, issuer="edudx-identity", audience="edudx",
                                     service_audience=None if name == "gateway" else f"edudx:{name}")
                 for name in ("scoring", "notifications", "gateway")}
    token = _token(key.private_pem, key.kid, kind=kind, aud=aud)

    accepted = set()
    for name, verifier in verifiers.items():
        try:
            await verifier.verify(token)
            accepted.add(name)
        except InvalidToken:
            pass
    assert accepted == accepted_by
