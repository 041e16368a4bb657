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
    # Each service's own codes (the catalogue, `x-problem-codes`; tests/contract checks none is missing).
    "approval_refused": "The report cannot be approved yet",
    "bulk_action_closed": "The bulk action has already run or was cancelled",
    "bulk_action_not_found": "Bulk action not found",
    "calendar_feed_not_found": "Deadline calendar not found",
    "campaign_closed": "The campaign is closed: its published results stay as they are",
    "campaign_not_found": "Reporting campaign not found",
    "campaign_state_conflict": "The campaign's state does not allow this",
    "campaign_without_rubric": "The campaign is not scored against a rubric",
    "cluster_code_taken": "The school cluster code is already in use",
    "cluster_not_found": "School cluster not found",
    "commune_grant_not_found": "Commune official's additional rights not found",
    "commune_grant_overlaps": "The official already holds valid additional rights from this department",
    "copy_not_current": "The data is not up to date yet",
    "deadline_passed": "The submission deadline has passed",
    "delivery_not_found": "E-mail not found",
    "delivery_state_conflict": "The e-mail's state does not allow this",
    "email_taken": "The e-mail address is already used by another account",
    "empty_file": "The file is empty",
    "evidence_immutable": "The evidence belongs to a submitted version and cannot be deleted",
    "evidence_not_found": "Evidence not found",
    "evidence_required": "The criterion requires evidence",
    "feed_item_not_found": "Notification not found",
    "file_too_large": "The file exceeds the allowed size",
    "group_unit_not_found": "Grouping unit not found",
    "import_file_invalid": "The import file cannot be read",
    "import_rejected": "The import file has invalid rows; nothing was saved",
    "import_too_large": "The import file is too large",
    "imports_busy": "Too many imports are being processed; try again in a few seconds",
    "incomplete_submission": "The report is missing required content",
    "integration_client_not_found": "Integration client not found",
    "invalid_board_filter": "Invalid list filter or sort order",
    "invalid_client": "Wrong service credentials",
    "invalid_content": "Invalid report content",
    "invalid_cursor": "Invalid paging cursor",
    "invalid_event": "Invalid event",
    "invalid_late_cutoff": "Invalid cut-off for late submissions",
    "invalid_link": "Invalid link",
    "invalid_outline": "Invalid outline",
    "invalid_password_token": "The password link is invalid or has expired",
    "invalid_refresh_token": "The session has expired or was revoked",
    "invalid_reminder_policy": "Invalid reminder schedule",
    "invalid_reorganisation": "Invalid unit reorganisation",
    "invalid_roles": "Unsuitable roles",
    "invalid_scores": "Invalid scores",
    "invalid_target": "The service the token was requested for does not exist",
    "invalid_targets": "Invalid reporting units",
    "invalid_commune_grant": "Invalid additional rights for a commune official",
    "invalid_tree_change": "The unit tree cannot be changed as requested",
    "invalid_upload": "Invalid upload request",
    "invalid_webhook_url": "The webhook address is not accepted",
    "malformed_upload": "The uploaded data is corrupt",
    "mandatory_category": "This kind of e-mail cannot be turned off",
    "not_allowed": "You are not allowed to do this",
    "not_signed": "The report has no digitally signed copy",
    "oauth_error": "Invalid token request",
    "out_of_scope": "Outside the units you manage",
    "outline_not_found": "Outline not found",
    "quota_exceeded": "The report's evidence storage quota is exceeded",
    "reorganisation_not_found": "Unit reorganisation not found",
    "reorganisation_not_pending": "The reorganisation was already confirmed or cancelled",
    "results_not_published": "The results have not been published",
    "results_signing_not_configured": "The authority's signing certificate is not configured",
    "review_reason_required": "A reason for the review decision is required",
    "reviewer_not_assignable": "This reviewer cannot be assigned",
    "rubric_file_invalid": "The rubric file cannot be read",
    "rubric_invalid": "Invalid rubric",
    "rubric_not_found": "Rubric not found",
    "school_year_exists": "The school year already exists",
    "school_year_not_found": "School year not found",
    "scores_locked": "Scores cannot be changed in the report's current state",
    "signature_refused": "The signed file is not accepted",
    "signature_required": "A valid digital signature of the principal is required before approval",
    "signed_file_too_large": "The signed file is too large",
    "stale_submission": "Someone else saved the report first",
    "storage_unavailable": "File storage is temporarily unavailable",
    "submission_locked": "The report was submitted; its evidence cannot be changed",
    "submission_not_found": "Report not found",
    "submission_state_conflict": "The report's state does not allow this",
    "unit_code_taken": "The unit code already exists",
    "unit_inactive": "The unit is no longer active",
    "unit_not_found": "Unit not found",
    "unknown_service": "No such service",
    "unsupported_file": "File type not accepted",
    "upload_not_found": "Upload not found",
    "user_not_found": "User not found",
    "weak_password": "The password is not strong enough",
    "webhook_delivery_not_found": "Webhook delivery not found",
    "webhook_not_found": "Webhook not found",
    "webhook_state_conflict": "The webhook's state does not allow this",
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
    "multiple_of": "Phải là bội số của {multiple_of}",
    "set_type": "Phải là một danh sách không trùng lặp",
    "tuple_type": "Phải là một danh sách",
    "bytes_type": "Phải là dữ liệu nhị phân",
    "time_type": "Phải là giờ (HH:MM)",
    "time_parsing": "Phải là giờ dạng HH:MM hoặc HH:MM:SS",
    "timezone_aware": "Thời điểm phải kèm múi giờ",
    "timezone_naive": "Thời điểm không được kèm múi giờ",
    "url_type": "Phải là địa chỉ URL",
    "url_too_long": "Địa chỉ URL quá dài",
    "uuid_version": "Phiên bản UUID không được chấp nhận",
    "string_unicode": "Phải là chuỗi ký tự Unicode hợp lệ",
    "missing_argument": "Thiếu trường bắt buộc",
    "unexpected_keyword_argument": "Trường không được hỗ trợ",
    "frozen_field": "Không được thay đổi trường này",
}
# A pydantic error type not listed above, whose message is pydantic's English: told in general words instead.
VALIDATION_VI_FALLBACK = "Giá trị không hợp lệ"
VALIDATION_EN_FALLBACK = "Invalid value"

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


def is_vietnamese(text: str | None) -> bool:
    """Whether `text` is written in Vietnamese (it has letters outside ASCII: diacritics, đ)."""
    return bool(text) and any(ord(c) > 127 and c.isalpha() for c in text or "")


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
        english = given.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        # our own validators speak Vietnamese: say it generally rather than in the wrong language
        return VALIDATION_EN_FALLBACK if is_vietnamese(english) else english
    template = VALIDATION_VI.get(kind)
    if template is None:
        # our own validators' types speak Vietnamese already; pydantic's others speak English
        return given if is_vietnamese(given) else VALIDATION_VI_FALLBACK
    try:
        message = template.format(**context)
    except (KeyError, IndexError):
        return template.split(":")[0].replace("{", "").replace("}", "")
    if kind in ("value_error", "assertion_error") and not is_vietnamese(message):
        return VALIDATION_VI_FALLBACK  # a library's check (an e-mail address…) in English
    return message


def _render(value: Any) -> str:
    return str(value)
