"""identity's errors in both languages: a refused sign-in and a malformed body."""

from __future__ import annotations

import httpx

from tests.languages import ENGLISH, assert_in_both_languages

LOGIN = "/api/identity/auth/login"


async def test_a_refused_sign_in_in_both_languages(client: httpx.AsyncClient) -> None:
    credentials = {"email": "khong-ai-ca@vinhlong.edu.vn", "password": "sai-mat-khau-1"}

    vietnamese = await client.post(LOGIN, json=credentials)
    english = await client.post(LOGIN, json=credentials, headers=ENGLISH)

    assert_in_both_languages(vietnamese, english, 401, "invalid_credentials")


async def test_validation_messages_in_both_languages(client: httpx.AsyncClient) -> None:
    vietnamese = await client.post(LOGIN, json={"email": "a@b.vn"})
    english = await client.post(LOGIN, json={"email": "a@b.vn"}, headers=ENGLISH)

    body = assert_in_both_languages(vietnamese, english, 422, "validation_error")
    assert vietnamese.json()["errors"] == [{"field": "password", "message": "Thiếu trường bắt buộc"}]
    assert body["errors"] == [{"field": "password", "message": "Field required"}]
    assert body["detail"] == "Some fields are invalid; see the list of errors."


async def test_an_unknown_path_is_not_told_in_english_by_default(client: httpx.AsyncClient) -> None:
    vietnamese = await client.get("/api/identity/khong-co")
    english = await client.get("/api/identity/khong-co", headers=ENGLISH)

    assert_in_both_languages(vietnamese, english, 404, "not_found")
    assert "detail" not in vietnamese.json()  # not Starlette's "Not Found"
