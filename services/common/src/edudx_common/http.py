"""Calls from one service to another: explicit timeouts, retries only where safe, service tokens.

A downstream failure becomes our own problem: unreachable → 503, too slow → 504, 5xx → 502.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
from cachetools import TLRUCache

from edudx_common.errors import BadGateway, GatewayTimeout, ProblemError, ServiceUnavailable
from edudx_common.logging import REQUEST_ID_HEADER, get_request_id
from edudx_common.settings import BaseServiceSettings

# A cached service token is renewed this long before it expires; one is kept per service called (a handful).
TOKEN_RENEW_SECONDS = 30
MAX_AUDIENCES = 32
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})


def transport_problem(exc: httpx.TransportError, service: str) -> ProblemError:
    """What a failed call to `service` means for our caller."""
    # Nothing reached the service: not processed, safe to retry later.
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return unreachable_problem(service)
    if isinstance(exc, httpx.TimeoutException):
        return too_slow_problem(service)
    return bad_answer_problem(service)


# The three outcomes, also used by the gateway (whose proxy client raises its own exception types).
def unreachable_problem(service: str) -> ProblemError:
    return ServiceUnavailable(f"Dịch vụ {service} tạm thời không sẵn sàng. Vui lòng thử lại sau.",
                              extra={"service": service})


def too_slow_problem(service: str) -> ProblemError:
    return GatewayTimeout(f"Dịch vụ {service} không trả lời kịp. Vui lòng thử lại sau.", extra={"service": service})


def bad_answer_problem(service: str) -> ProblemError:
    return BadGateway(f"Dịch vụ {service} trả lời không hợp lệ.", extra={"service": service})


class TokenSource(Protocol):
    """Where a client gets the service token it presents: identity's token endpoint, or identity's own keys."""

    async def token(self, *, audience: str, force: bool = False) -> str: ...


class ServiceTokenProvider:
    """Client-credentials tokens from identity, one per service called (its audience), each cached until shortly
    before it expires. A token for one service is refused by every other."""

    def __init__(self, *, identity_url: str, client_id: str, client_secret: str, timeout: float = 5.0) -> None:
        self._url = identity_url.rstrip("/") + "/api/identity/auth/token"
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout
        # audience → (token, expires at): kept until 30 s before it expires.
        self._tokens: TLRUCache[str, tuple[str, float]] = TLRUCache(
            maxsize=MAX_AUDIENCES, ttu=lambda _audience, cached, _now: cached[1] - TOKEN_RENEW_SECONDS)
        self._lock = asyncio.Lock()

    async def token(self, *, audience: str, force: bool = False) -> str:
        async with self._lock:
            cached = self._tokens.get(audience)
            if force or cached is None:
                cached = self._tokens[audience] = await self._fetch(audience)
            return cached[0]

    async def _fetch(self, audience: str) -> tuple[str, float]:
        data = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret, "audience": audience}
        try:
            async with httpx.AsyncClient(timeout=self._timeout, trust_env=False) as client:
                response = await client.post(self._url, data=data)
        except httpx.TransportError as exc:
            raise transport_problem(exc, "identity") from exc
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ định danh từ chối cấp mã dịch vụ (HTTP {response.status_code}).")
        body = response.json()
        return str(body["access_token"]), time.monotonic() + float(body.get("expires_in", 300))


# The largest page a list serves (edudx_common.pagination): what `get_all` asks for.
PAGE_LIMIT = 500


class ServiceClient:
    """One per downstream service, created in the lifespan and closed with it."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        timeout: float = 10.0,
        token_provider: TokenSource | None = None,
        retries: int = 2,
        backoff_seconds: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
        audience: str | None = None,
    ) -> None:
        self.name = name
        # The service this client calls, as named in identity's service tokens; by default its name.
        self.audience = audience or name
        self._tokens = token_provider
        self._retries = retries
        self._backoff = backoff_seconds
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request; retry transport failures and 502/503/504 only when repeating is safe."""
        method = method.upper()
        retryable = method in IDEMPOTENT_METHODS or idempotency_key is not None
        attempts = 1 + (self._retries if retryable else 0)
        refreshed_token = False
        attempt = 0
        while True:
            attempt += 1
            request_headers = dict(headers or {})
            if (request_id := get_request_id()) is not None:
                request_headers[REQUEST_ID_HEADER] = request_id
            if idempotency_key is not None:
                request_headers["Idempotency-Key"] = idempotency_key
            if self._tokens is not None:
                token = await self._tokens.token(audience=self.audience, force=refreshed_token)
                request_headers["Authorization"] = f"Bearer {token}"
            try:
                response = await self._client.request(method, url, headers=request_headers, **kwargs)
            except httpx.TransportError as exc:
                if attempt < attempts:
                    await asyncio.sleep(self._backoff * attempt)
                    continue
                raise transport_problem(exc, self.name) from exc
            if response.status_code == 401 and self._tokens is not None and not refreshed_token:
                refreshed_token = True  # our cached service token may predate a key rotation
                attempt -= 1
                continue
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                await asyncio.sleep(self._backoff * attempt)
                continue
            if response.status_code >= 500:
                raise BadGateway(f"Dịch vụ {self.name} gặp lỗi (HTTP {response.status_code}).")
            return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def get_all(self, url: str, params: Mapping[str, Any] | None = None,
                      ) -> tuple[httpx.Response, list[dict[str, Any]]]:
        """Every item of a list (the paging envelope, edudx_common.pagination), 500 a page: the last response
        and the items. A response other than 200 ends it (the caller judges it), with what was read so far."""
        items: list[dict[str, Any]] = []
        while True:
            response = await self.get(url, params={**(params or {}), "limit": PAGE_LIMIT, "offset": len(items)})
            if response.status_code != 200:
                return response, items
            body = response.json()
            items += body["items"]
            if not body["items"] or len(items) >= body["total"]:
                return response, items


def downstream_clients(settings: BaseServiceSettings, *, receivers: Mapping[str, str] | None = None,
                       **urls: str) -> tuple[dict[str, ServiceClient], dict[str, ServiceClient]]:
    """(clients, event receivers): a client for identity and for each service named in `urls`, and one for each
    receiver of this service's events (name → base URL), all presenting this service's own token. Receivers do
    not retry inside a call: the outbox retries a failed delivery itself. Close them all with the lifespan."""
    tokens = ServiceTokenProvider(identity_url=settings.identity_url, client_id=settings.service_client_id,
                                  client_secret=settings.service_client_secret)
    clients = {name: ServiceClient(url, name=name, token_provider=tokens, timeout=settings.http_timeout_seconds)
               for name, url in {"identity": settings.identity_url, **urls}.items()}
    outbox = {name: ServiceClient(url, name=name, token_provider=tokens, retries=0,
                                  timeout=settings.http_timeout_seconds) for name, url in (receivers or {}).items()}
    return clients, outbox
