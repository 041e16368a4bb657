"""Integration clients as principals (edudx_common.auth): bound to a unit, read-only unless granted `write`, and
revocable like a session (edudx_common.revocation)."""

from __future__ import annotations

import uuid

import pytest

from edudx_common.auth import Principal
from edudx_common.db import utcnow
from edudx_common.jwt import InvalidToken
from edudx_common.revocation import RevokedSessions
from submissions.sync import InvalidCursor, decode_cursor, encode_cursor

UNIT = str(uuid.uuid4())


def _claims(**extra: object) -> dict[str, object]:
    return {"sub": "client:edx_1", "kind": "client", "roles": ["viewer"], "unit_id": UNIT, "sid": "s-1",
            "scope": "read", **extra}


def test_a_client_is_neither_a_user_nor_a_service_and_writes_only_with_the_write_scope() -> None:
    reader = Principal.from_claims(_claims())
    writer = Principal.from_claims(_claims(scope="read write", roles=["viewer", "reviewer"]))

    assert reader.is_client and not reader.is_service and reader.user_id is None
    assert str(reader.unit_id) == UNIT
    assert not reader.may_write and writer.may_write
    assert Principal.from_claims({"sub": str(uuid.uuid4()), "kind": "user", "roles": []}).may_write


@pytest.mark.parametrize("claims", [_claims(unit_id=None), _claims(roles=["system_admin"])])
def test_a_client_token_without_a_unit_or_claiming_system_admin_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        Principal.from_claims(claims)


async def test_a_revoked_client_is_on_the_revoked_list_like_a_session() -> None:
    async def source() -> list[str]:
        return ["s-1"]

    revoked = RevokedSessions(source)
    await revoked.refresh()

    assert revoked.is_revoked(_claims())
    assert not revoked.is_revoked(_claims(sid="s-2"))
    assert not revoked.is_revoked(_claims(kind="service"))


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    at, row = utcnow(), uuid.uuid4()
    assert decode_cursor(encode_cursor(at, row)) == (at, row)
    with pytest.raises(InvalidCursor):
        decode_cursor("khong-hop-le")
