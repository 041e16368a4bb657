"""Browser security headers and request body limits, for every response the gateway sends.

Plain ASGI (not BaseHTTPMiddleware) so streamed uploads and downloads pass through untouched:
- headers are added to the response start, keeping any the service set itself;
- a body over its limit is refused with 413 before a byte is read when Content-Length says so, and cut off
  (413 if no response has started) when a chunked body grows past it.
"""

from __future__ import annotations

import re

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edudx_common.errors import PayloadTooLarge, problem_response
from gateway.config import Settings


def spa_csp(object_store_origins: list[str]) -> str:
    """The SPA's policy. antd (CSS-in-JS) writes inline <style> elements, so styles need 'unsafe-inline'; scripts
    do not, and script injection is what CSP is here to stop. The object store is where uploads go (presigned
    PUT) and previews come from (img, iframe); previews are also held as blob: URLs the page itself made."""
    store = "".join(f" {origin}" for origin in object_store_origins)
    return (f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:{store}; font-src 'self' data:; connect-src 'self' blob:{store}; "
            f"frame-src 'self' blob:{store}; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'")
# Headers that only mean something on a document (HTML, SVG, anything a browser may render as a page).
_DOCUMENT_ONLY = frozenset({b"content-security-policy", b"x-frame-options"})
_SCRIPT_OR_STYLE = frozenset({b"text/javascript", b"application/javascript", b"text/css"})


def _is_script_or_style(content_type: bytes) -> bool:
    return content_type.split(b";", 1)[0].strip().lower() in _SCRIPT_OR_STYLE


# Upload requests by media type; every other body (JSON, forms) gets the small limit.
_UPLOAD_MEDIA_TYPES = ("multipart/form-data", "application/octet-stream")


class BodyTooLarge(PayloadTooLarge):
    """A body over its limit. Raised while a chunked body is read, it reaches the app's problem handlers
    (413 problem+json), wherever in the app the read happened."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Dữ liệu gửi lên vượt quá giới hạn {limit / 1_000_000:.1f} MB cho loại yêu cầu này.",
                         extra={"limit_bytes": limit}, headers={"Connection": "close"})


SecurityHeaders = tuple[tuple[bytes, bytes], ...]


def with_security_headers(headers: list[tuple[bytes, bytes]], for_documents: SecurityHeaders,
                          for_scripts: SecurityHeaders) -> list[tuple[bytes, bytes]]:
    """`headers` and the security headers the response does not set itself: a document's, or, when the content
    type says script or stylesheet, theirs."""
    present = set()
    script_or_style = False
    for key, value in headers:
        name = key.lower()
        present.add(name)
        if name == b"content-type":
            script_or_style = _is_script_or_style(value)
    extra = for_scripts if script_or_style else for_documents
    return [*headers, *((k, v) for k, v in extra if k not in present)]


def declared_over(declared: bytes | None, limit: int) -> bool:
    return declared is not None and declared.isdigit() and int(declared) > limit


def limited_receive(receive: Receive, limit: int) -> Receive:
    """`receive` that raises `BodyTooLarge` once the body read passes `limit` (after discarding a little more)."""
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                await _discard_rest(receive)
                raise BodyTooLarge(limit)
        return message

    return counting_receive


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.json_limit = settings.max_json_body_bytes
        self.upload_limit = settings.max_upload_body_bytes
        self.trust_forwarded_proto = settings.trust_forwarded_for
        self.embeddable = [re.compile(p) for p in settings.embeddable_paths]
        hsts = (b"strict-transport-security", f"max-age={settings.hsts_max_age_seconds}; includeSubDomains".encode())
        csp = spa_csp(settings.object_store_origins).encode()
        # The headers a response gets, built once for each (embeddable path, over TLS), and those a script or a
        # stylesheet gets (a document's policy does nothing on them; left off, it saves ~450 bytes on each of the
        # ~20 files of a first load).
        self._extra: dict[tuple[bool, bool], tuple[SecurityHeaders, SecurityHeaders]]
        self._extra = {}
        for embeddable in (False, True):
            for tls in (False, True):
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if not embeddable:
                    extra += [(b"x-frame-options", b"DENY"), (b"content-security-policy", csp)]
                if tls:
                    extra.append(hsts)
                self._extra[(embeddable, tls)] = (tuple(extra), tuple(h for h in extra if h[0] not in _DOCUMENT_ONLY))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, declared, for_documents, for_scripts = self.prepare(scope)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": with_security_headers(message.get("headers", []), for_documents,
                                                                       for_scripts)}
            await send(message)

        if declared_over(declared, limit):
            await self.too_large(scope, receive, send_with_headers, limit)
            return
        try:
            await self.app(scope, limited_receive(receive, limit), send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await self.too_large(scope, receive, send_with_headers, limit)

    def prepare(self, scope: Scope) -> tuple[int, bytes | None, SecurityHeaders, SecurityHeaders]:
        """For one request: its body limit, the Content-Length it declared, and the headers its response gets (a
        document's, a script's or stylesheet's)."""
        content_type, declared, forwarded_proto = b"", None, b""
        for key, value in scope.get("headers", []):  # one pass for the three headers looked at
            name = key.lower()
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                declared = value
            elif name == b"x-forwarded-proto":
                forwarded_proto = value
        path = scope.get("path", "")
        for_documents, for_scripts = self._extra[(any(p.match(path) for p in self.embeddable),
                                                  self._over_tls(scope, forwarded_proto))]
        return self._limit(content_type), declared, for_documents, for_scripts

    def _limit(self, content_type: bytes) -> int:
        media_type = content_type.split(b";", 1)[0].strip().decode("latin-1").lower()
        return self.upload_limit if media_type in _UPLOAD_MEDIA_TYPES else self.json_limit

    def _over_tls(self, scope: Scope, forwarded_proto: bytes) -> bool:
        if scope.get("scheme") == "https":
            return True
        # Only a proxy we trust says how the client reached it; from anyone else the header means nothing.
        return self.trust_forwarded_proto and forwarded_proto.split(b",")[-1].strip().lower() == b"https"

    @staticmethod
    async def too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        # Connection: close — the rest of the body is not read, so the connection cannot serve another request.
        error = BodyTooLarge(limit)
        await problem_response(error.to_problem(), error.headers)(scope, receive, send)


# After a 413 the connection is closed. Closing it with the client's bytes still unread makes the kernel reset it,
# and a client still sending then gets the reset instead of the 413. So a little more of the body is read and
# dropped first (nginx's "lingering close"), bounded: a client that keeps sending is cut off all the same.
_LINGER_BYTES = 1_000_000
_LINGER_SECONDS = 1.0


async def _discard_rest(receive: Receive) -> None:
    discarded = 0
    with anyio.move_on_after(_LINGER_SECONDS):
        while discarded < _LINGER_BYTES:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return
            discarded += len(message.get("body", b""))

