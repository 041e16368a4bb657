"""The languages an error is told in: Vietnamese by default, English when the client asks (`Accept-Language: en`).

Keyed by what programs already rely on: a problem's `code` for its title, a validation error's pydantic `type`
for a field's message. A code without an English title here is told in words made from the code itself
(`campaign_not_found` → "Campaign not found"), so a new error never answers in the wrong language.
"""

from __future__ import annotations

from typing import Any, Literal

Language = Literal["vi", "en"]

TITLES_EN: dict[str, str] = {
    "bad_request": "Bad request",
    "unauthorized": "Not signed in, or the session is no longer valid",
    "forbidden": "You are not allowed to do this",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "not_acceptable": "The requested format is not supported",
    "request_timeout": "The request body arrived too slowly and was dropped",
    "conflict": "Conflicting state",
    "concurrent_change": "Changed by another request at the same time",
    "stale_version": "Someone else changed this data since you read it",
    "version_required": "The version you read is required (If-Match)",
    "payload_too_large": "The request body is too large",
    "unsupported_media_type": "Unsupported media type",
    "validation_error": "Invalid data",
    "too_many_requests": "Too many requests, try again later",
    "rate_limited": "Too many requests, try again later",
    "internal_error": "Internal error, please try again later",
    "bad_gateway": "A backend service answered with an invalid response",
    "service_unavailable": "Service temporarily unavailable",
    "database_unavailable": "The database is temporarily unavailable, try again in a few minutes",
    "gateway_timeout": "A backend service did not answer in time",
    "invalid_credentials": "Wrong e-mail or password",
    "too_many_attempts": "Too many failed attempts, try again later",
}

DETAILS: dict[str, dict[Language, str]] = {
    "validation": {"vi": "Một số trường dữ liệu không hợp lệ, xem danh sách lỗi.",
                   "en": "Some fields are invalid; see the list of errors."},
    "malformed_json": {"vi": "Nội dung gửi lên không phải JSON hợp lệ (UTF-8).",
                       "en": "The request body is not valid JSON (UTF-8)."},
}

# Field messages by pydantic error type; `{…}` are filled from the error's context.
VALIDATION_VI: dict[str, str] = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường không được hỗ trợ",
    "json_invalid": "JSON không hợp lệ: {error}",
    "json_type": "Nội dung phải là JSON",
    "model_type": "Phải là một đối tượng JSON",
    "model_attributes_type": "Phải là một đối tượng JSON",
    "dict_type": "Phải là một đối tượng JSON",
    "list_type": "Phải là một danh sách",
    "string_type": "Phải là chuỗi ký tự",
    "string_too_short": "Cần ít nhất {min_length} ký tự",
    "string_too_long": "Tối đa {max_length} ký tự",
    "string_pattern_mismatch": "Không đúng định dạng",
    "int_type": "Phải là số nguyên",
    "int_parsing": "Phải là số nguyên",
    "int_from_float": "Phải là số nguyên",
    "float_type": "Phải là số",
    "float_parsing": "Phải là số",
    "finite_number": "Phải là số hữu hạn",
    "decimal_type": "Phải là số",
    "decimal_parsing": "Phải là số",
    "decimal_max_digits": "Tối đa {max_digits} chữ số",
    "decimal_max_places": "Tối đa {decimal_places} chữ số thập phân",
    "bool_type": "Phải là true hoặc false",
    "bool_parsing": "Phải là true hoặc false",
    "greater_than": "Phải lớn hơn {gt}",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}",
    "less_than": "Phải nhỏ hơn {lt}",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}",
    "too_short": "Cần ít nhất {min_length} phần tử",
    "too_long": "Tối đa {max_length} phần tử",
    "enum": "Phải là một trong: {expected}",
    "literal_error": "Phải là một trong: {expected}",
    "uuid_type": "Phải là UUID",
    "uuid_parsing": "Phải là UUID hợp lệ",
    "datetime_type": "Phải là thời điểm (RFC 3339)",
    "datetime_parsing": "Phải là thời điểm theo RFC 3339, ví dụ 2026-12-15T17:00:00+07:00",
    "datetime_from_date_parsing": "Phải là thời điểm theo RFC 3339, ví dụ 2026-12-15T17:00:00+07:00",
    "date_type": "Phải là ngày (YYYY-MM-DD)",
    "date_parsing": "Phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "Phải là ngày dạng YYYY-MM-DD",
    "url_parsing": "Phải là địa chỉ URL hợp lệ",
    "url_scheme": "Địa chỉ URL phải bắt đầu bằng {expected_schemes}",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "union_tag_invalid": "Loại không hợp lệ: {tag}",
    "union_tag_not_found": "Thiếu trường phân loại {discriminator}",
}

# Errors our own validators raise in Vietnamese (PydanticCustomError types).
VALIDATION_EN: dict[str, str] = {
    "single_line": "Must be one line without control characters (line breaks, tabs…)",
    "not_nullable": "null is not accepted; leave the field out to keep its value",
    "extra_forbidden": "Unknown field",
}


def preferred_language(accept_language: str | None) -> Language:
    """English only when the client prefers it to Vietnamese (RFC 9110 quality values); anything else: Vietnamese."""
    best: tuple[float, Language] = (0.0, "vi")
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("en", "vi"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > best[0]:
            best = (quality, "en" if primary == "en" else "vi")
    return best[1]


def title_en(code: str) -> str:
    return TITLES_EN.get(code) or code.replace("_", " ").capitalize()


def detail(key: str, language: Language) -> str:
    return DETAILS[key][language]


def field_message(error: dict[str, Any], language: Language) -> str:
    """One validation error's message in `language`."""
    kind = str(error.get("type", ""))
    given = str(error.get("msg", ""))
    context = {k: _render(v) for k, v in (error.get("ctx") or {}).items()}
    if language == "en":
        if kind in VALIDATION_EN:
            return VALIDATION_EN[kind]
        return given.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = VALIDATION_VI.get(kind)
    if template is None:
        return given  # our own validators' types speak Vietnamese already
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split(":")[0].replace("{", "").replace("}", "")


def _render(value: Any) -> str:
    return str(value)
