"""Compressed answers: the content coding a client accepts (RFC 9110 §12.5.3), and gzip for JSON API answers.

Static files are compressed once at build time (Brotli and gzip copies beside each file of `frontend/dist`, see
`frontend/vite.plugins.ts`); `gateway.spa` picks the copy with `preferred_encoding`. JSON answers of the API are
compressed here, on the fly, by `JSONCompressionMiddleware`: only whole answers (the proxy relays every answer up
to 256 KB whole, see `gateway.proxy`), only from `min_bytes` on, only JSON, never one that is already encoded.
The CPU cost is measured in bench/json_compression.py (bench/RESULTS.md).
"""

from __future__ import annotations

import gzip

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Ours first where a client likes both equally: Brotli files are 15–25 % smaller than gzip for the SPA's scripts.
PREFERENCE = ("br", "gzip")
# Level 1: 25.3 % of the JSON size against 23.9 % at level 5, for less than half its CPU (bench/json_compression.py):
# every answer of 1 KB or more is compressed, so on deadline day this is CPU on nearly every request.
GZIP_LEVEL = 1
_JSON_TYPES = (b"application/json", b"application/problem+json")


def accepted_encodings(accept_encoding: str) -> dict[str, float]:
    """`Accept-Encoding` as coding → weight; a coding with q=0 is refused ("identity;q=0" included)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if not coding:
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        weights[coding.lower()] = weight
    return weights


def preferred_encoding(accept_encoding: str, available: tuple[str, ...] = PREFERENCE) -> str | None:
    """The best of `available` the client accepts (highest weight, then our order), or None for the plain bytes."""
    weights = accepted_encodings(accept_encoding)
    wildcard = weights.get("*", 0.0)
    candidates = [(weights.get(coding, wildcard), -rank, coding) for rank, coding in enumerate(available)]
    weight, _, coding = max(candidates)
    return coding if weight > 0 else None


class JSONCompressionMiddleware:
    """Gzips JSON answers of `min_bytes` or more for clients that accept gzip. Streamed answers (more than one body
    message: downloads, large exports) pass untouched, so nothing is ever held whole here that was not already.

    Every API answer passes here, so the headers are read and changed as the raw list they are, in one pass."""

    # Accept-Encoding values seen → whether they accept gzip. Browsers send a handful of distinct values; a client
    # sending ever new ones only empties this now and then.
    _ACCEPTS_GZIP_SEEN = 256

    def __init__(self, app: ASGIApp, *, min_bytes: int) -> None:
        self.app = app
        self.min_bytes = min_bytes
        self._accepts: dict[bytes, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        accepts_gzip = self.accepts_gzip(scope)
        start: Message | None = None

        async def compressing_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # held until the body says whether it is whole
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held, start = start, None
            body = message.get("body", b"")
            whole = None if message.get("more_body", False) else self.whole_answer(
                held.get("headers", []), body, accepts_gzip=accepts_gzip)
            if whole is None:
                await send(held)
                await send(message)
                return
            headers, body = whole
            await send({**held, "headers": headers})
            await send({**message, "body": body})

        await self.app(scope, receive, compressing_send)

    def whole_answer(self, headers: list[tuple[bytes, bytes]], body: bytes, *, accepts_gzip: bool
                     ) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """A whole answer's headers and body as sent: gzipped for a client that accepts it, and `Vary` naming
        Accept-Encoding either way. None when the answer is not JSON worth compressing (left as it is)."""
        compressible = self._compressible(headers, body)
        if compressible is None:
            return None
        if not accepts_gzip:
            return _with_vary(compressible), body
        compressed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        changed: list[tuple[bytes, bytes]] = []
        for name, value in _with_vary(compressible):
            lower = name.lower()
            if lower == b"content-length":
                continue
            if lower == b"etag" and not value.startswith(b"W/"):
                # Another representation, so another (weak) tag: a cache must not serve one for the other.
                value = b"W/" + value
            changed.append((name, value))
        changed += [(b"content-encoding", b"gzip"), (b"content-length", str(len(compressed)).encode())]
        return changed, compressed

    def _compressible(self, raw: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]] | None:
        """The answer's headers when it is a whole JSON answer worth compressing, else None."""
        if len(body) < self.min_bytes:
            return None
        headers = list(raw)
        media_type = b""
        for name, value in headers:
            lower = name.lower()
            if lower == b"content-encoding":
                return None
            if lower == b"content-type":
                media_type = value.split(b";", 1)[0].strip().lower()
        return headers if media_type in _JSON_TYPES else None

    def accepts_gzip(self, scope: Scope) -> bool:
        return self.accepts_gzip_value(
            b",".join(v for k, v in scope.get("headers", []) if k.lower() == b"accept-encoding"))

    def accepts_gzip_value(self, accept: bytes) -> bool:
        """Whether this Accept-Encoding (repeated headers joined by commas) accepts gzip."""
        verdict = self._accepts.get(accept)
        if verdict is None:
            if len(self._accepts) >= self._ACCEPTS_GZIP_SEEN:
                self._accepts.clear()
            verdict = self._accepts[accept] = preferred_encoding(accept.decode("latin-1"), ("gzip",)) == "gzip"
        return verdict


def _with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with Accept-Encoding named in `Vary`: the answer depends on it, whether this client gets gzip or
    not. Several Vary headers become one, where the first was."""
    varies = [value for name, value in headers if name.lower() == b"vary"]
    tokens = [token.strip() for value in varies for token in value.split(b",") if token.strip()]
    if any(token.lower() == b"accept-encoding" for token in tokens):
        return headers
    merged = b", ".join([*tokens, b"Accept-Encoding"])
    if not varies:
        return [*headers, (b"vary", merged)]
    result: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name.lower() == b"vary":
            if merged:
                result.append((b"vary", merged))
                merged = b""
        else:
            result.append((name, value))
    return result
