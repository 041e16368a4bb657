"""RFC 9457 problem details: one error base class, raised by services, rendered by one handler.

`title` and `detail` are read by people, so they are Vietnamese; `code` is stable for programs. With
`Accept-Language: en` (edudx_common.messages) the title is English (every code has one), and so is `detail` where
the error gives one (`detail_en`); a detail written only in Vietnamese is then left out rather than sent in the
wrong language (the title, the code and `errors` still say what happened).
"""

from __future__ import annotations

import importlib
import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as sqlalchemy_errors
from starlette.exceptions import HTTPException as StarletteHTTPException

from edudx_common import messages
from edudx_common.db import database_unavailable
from edudx_common.logging import get_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("edudx.errors")


class FieldError(BaseModel):
    field: str
    message: str
    row: int | None = Field(default=None, description="Số dòng trong tệp nhập, như Excel hiển thị (tiêu đề là dòng 1)")


class Problem(BaseModel):
    """The body of every error response."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str
    request_id: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="Per-field or per-row errors")
    extra: dict[str, Any] | None = Field(default=None, description="Machine-readable context")


class ProblemError(Exception):
    """Base of every error a service raises on purpose. Subclasses fix status, code and title."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Yêu cầu không hợp lệ"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        detail_en: str | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.detail_en = detail_en
        self.errors = errors
        self.extra = extra
        self.headers = headers or {}

    def to_problem(self) -> Problem:
        return Problem(
            type=f"https://edudx.vn/problems/{self.code}",
            title=self.title,
            status=self.status,
            detail=self.detail,
            code=self.code,
            request_id=get_request_id(),
            errors=self.errors,
            extra=self.extra,
        )


class BadRequest(ProblemError):
    pass


class Unauthorized(ProblemError):
    status = 401
    code = "unauthorized"
    title = "Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ"


class Forbidden(ProblemError):
    status = 403
    code = "forbidden"
    title = "Bạn không có quyền thực hiện thao tác này"


class NotFound(ProblemError):
    status = 404
    code = "not_found"
    title = "Không tìm thấy"


class Conflict(ProblemError):
    status = 409
    code = "conflict"
    title = "Xung đột trạng thái"


class PreconditionFailed(ProblemError):
    status = 412
    code = "stale_version"
    title = "Dữ liệu đã được người khác thay đổi"


class PayloadTooLarge(ProblemError):
    status = 413
    code = "payload_too_large"
    title = "Dữ liệu gửi lên quá lớn"


class Unprocessable(ProblemError):
    status = 422
    code = "validation_error"
    title = "Dữ liệu không hợp lệ"


class TooManyRequests(ProblemError):
    """A limit was reached: answers `Retry-After` and the `RateLimit-*` headers (edudx_common.ratelimit) from the
    limit and the wait, so each limiter says the same things the same way."""

    status = 429
    code = "too_many_requests"
    title = "Quá nhiều yêu cầu, vui lòng thử lại sau"

    def __init__(self, detail: str | None = None, *, limit: int, retry_after: float,
                 extra: dict[str, Any] | None = None) -> None:
        from edudx_common.ratelimit import rate_limit_headers

        headers = rate_limit_headers(limit=limit, waited=retry_after)
        self.retry_after_seconds = int(headers["Retry-After"])
        super().__init__(detail, extra=extra, headers=headers,
                         detail_en=f"Try again in {self.retry_after_seconds} seconds.")


class BadGateway(ProblemError):
    status = 502
    code = "bad_gateway"
    title = "Dịch vụ phía sau trả lời không hợp lệ"


class ServiceUnavailable(ProblemError):
    status = 503
    code = "service_unavailable"
    title = "Dịch vụ tạm thời không sẵn sàng"


class GatewayTimeout(ProblemError):
    status = 504
    code = "gateway_timeout"
    title = "Dịch vụ phía sau không trả lời kịp"


_STATUS_TITLES = {
    400: ("bad_request", "Yêu cầu không hợp lệ"),
    401: ("unauthorized", Unauthorized.title),
    403: ("forbidden", Forbidden.title),
    404: ("not_found", NotFound.title),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ"),
    406: ("not_acceptable", "Định dạng yêu cầu không được hỗ trợ"),
    408: ("request_timeout", "Gửi dữ liệu quá chậm, yêu cầu đã bị huỷ"),
    409: ("conflict", Conflict.title),
    413: ("payload_too_large", PayloadTooLarge.title),
    415: ("unsupported_media_type", "Kiểu dữ liệu không được hỗ trợ"),
    429: ("too_many_requests", TooManyRequests.title),
}


def problem_response(problem: Problem, headers: dict[str, str] | None = None,
                     request: Request | None = None, *, detail_en: str | None = None) -> JSONResponse:
    """The problem as JSON; with `request`, in the language the client asked for (`Accept-Language`): in English
    the code's English title, and `detail_en` as the detail (a Vietnamese-only detail is left out)."""
    language = messages.preferred_language(request.headers.get("accept-language")) if request is not None else "vi"
    if problem.status == 429:
        headers = _with_rate_limit_headers(headers or {})
    if language == "en":
        detail = detail_en or (None if messages.is_vietnamese(problem.detail) else problem.detail)
        problem = problem.model_copy(update={"title": messages.title_en(problem.code), "detail": detail})
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={**(headers or {}), "Content-Language": language},
    )


def _with_rate_limit_headers(headers: dict[str, str]) -> dict[str, str]:
    """Every 429 says when to retry and that nothing remains, even one raised without a limiter's numbers."""
    lowered = {k.lower() for k in headers}
    complete = dict(headers)
    if "retry-after" not in lowered:
        complete["Retry-After"] = "1"
    retry_after = next(v for k, v in complete.items() if k.lower() == "retry-after")
    defaults = {"RateLimit-Limit": "0", "RateLimit-Remaining": "0", "RateLimit-Reset": retry_after}
    complete.update({k: v for k, v in defaults.items() if k.lower() not in lowered})
    return complete


def _language(request: Request) -> messages.Language:
    return messages.preferred_language(request.headers.get("accept-language"))


_SHARED_ERROR_MODULES = ("edudx_common.uploads", "edudx_common.sync")


def problem_catalogue(modules: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Every problem `code` the error classes of `modules` (packages: a service's and edudx_common) define, with its
    status and titles, plus the codes the shared handlers answer (`x-problem-codes` in OpenAPI)."""
    catalogue: dict[str, dict[str, Any]] = {}
    # The shared modules that define error classes, imported here so a service's catalogue is the same whatever
    # else the process imported (`make openapi` loads every service in one process; a test loads one).
    for module in _SHARED_ERROR_MODULES:
        importlib.import_module(module)

    def add(code: str, status: int, title: str) -> None:
        catalogue.setdefault(code, {"status": status, "title": title, "title_en": messages.title_en(code)})

    pending: list[type[ProblemError]] = [ProblemError]
    while pending:
        cls = pending.pop()
        if cls.__module__.split(".")[0] in modules:
            add(cls.code, cls.status, cls.title)
        pending.extend(cls.__subclasses__())
    for status, (code, title) in _STATUS_TITLES.items():
        add(code, status, title)
    add("concurrent_change", Conflict.status, "Dữ liệu vừa được thay đổi bởi một yêu cầu khác cùng lúc")
    add("internal_error", 500, _INTERNAL_ERROR_TITLE)
    return dict(sorted(catalogue.items()))


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.to_problem(), exc.headers, request, detail_en=exc.detail_en)


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language = _language(request)
    errors = [FieldError(field=_field_name(tuple(e.get("loc", ()))), message=messages.field_message(e, language))
              for e in exc.errors()]
    problem = Unprocessable(messages.detail("validation", language), errors=errors).to_problem()
    return problem_response(problem, request=request, detail_en=messages.detail("validation", "en"))


# What FastAPI raises when a JSON body cannot even be decoded (bytes that are not UTF-8): the same 422 as any
# other malformed JSON, not a 400 in English.
_UNDECODABLE_BODY = "There was an error parsing the body"


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNDECODABLE_BODY:
        language = _language(request)
        malformed = Unprocessable(messages.detail("malformed_json", language), errors=[
            FieldError(field="body", message=messages.detail("malformed_json", language))])
        return problem_response(malformed.to_problem(), request=request,
                                detail_en=messages.detail("malformed_json", "en"))
    code, title = _STATUS_TITLES.get(exc.status_code, ("http_error", "Lỗi yêu cầu"))
    # Starlette's own details are the English reason phrases ("Not Found", "Method Not Allowed"): the title says it.
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (title, _reason_phrase(exc.status_code)) \
        else None
    problem = Problem(
        type=f"https://edudx.vn/problems/{code}", title=title, status=exc.status_code,
        detail=detail, code=code, request_id=get_request_id(),
    )
    return problem_response(problem, dict(exc.headers or {}), request)


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def _handle_integrity(request: Request, exc: Exception) -> JSONResponse:
    # A rule the database guards (unique, check) caught what two simultaneous requests both passed in code,
    # e.g. two "create" clicks at once: the later one is a conflict to retry, not a server failure.
    log.warning("database constraint refused a write", exc_info=exc)
    problem = Conflict("Dữ liệu vừa được thay đổi bởi một yêu cầu khác cùng lúc. Vui lòng tải lại và thử lại.",
                       detail_en="Another request changed the data at the same time. Reload and try again.")
    problem_body = problem.to_problem().model_copy(update={"code": "concurrent_change",
                                                           "type": "https://edudx.vn/problems/concurrent_change"})
    # Retry-After: the same request is expected to succeed once the other write is committed (event
    # dispatchers, for one, send the event again instead of giving it up).
    return problem_response(problem_body, {"Retry-After": "1"}, request, detail_en=problem.detail_en)


_INTERNAL_ERROR_TITLE = "Lỗi hệ thống, vui lòng thử lại sau"


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    problem = Problem(
        type="https://edudx.vn/problems/internal_error", title=_INTERNAL_ERROR_TITLE,
        status=500, code="internal_error", request_id=get_request_id(),
    )
    return problem_response(problem, request=request)


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    title = "Cơ sở dữ liệu tạm thời không sẵn sàng, vui lòng thử lại sau ít phút"


# Seconds a client is asked to wait before trying again while the database is away (a restart takes a few).
DATABASE_RETRY_AFTER_SECONDS = 5


async def _handle_connection_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is restarting or down is a 503 the client may retry, not a 500; the rest are bugs."""
    if not database_unavailable(exc):
        return await _handle_unexpected(request, exc)
    log.warning("database unavailable: %s", type(exc).__name__)
    problem = DatabaseUnavailable(
        "Hệ thống không kết nối được cơ sở dữ liệu. Những gì chưa được xác nhận đã lưu thì chưa được lưu; "
        "hãy thử lại sau ít phút.",
        detail_en="The database cannot be reached. Anything not confirmed as saved was not saved; try again in a "
                  "few minutes.",
    )
    return problem_response(problem.to_problem(), {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}, request,
                            detail_en=problem.detail_en)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    for connection_error in (sqlalchemy_errors.DBAPIError, sqlalchemy_errors.TimeoutError, ConnectionError,
                             TimeoutError):
        app.add_exception_handler(connection_error, _handle_connection_error)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    # more specific than DBAPIError above: Starlette picks the nearest class in the exception's MRO
    app.add_exception_handler(sqlalchemy_errors.IntegrityError, _handle_integrity)
    app.add_exception_handler(Exception, _handle_unexpected)


# Declared on routes so every error shape appears in OpenAPI.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title}
    for status, title in (
        (400, "Yêu cầu không hợp lệ"), (401, "Chưa đăng nhập"), (403, "Không có quyền"),
        (404, "Không tìm thấy"), (409, "Xung đột trạng thái"), (422, "Dữ liệu không hợp lệ"),
    )
}
