"""The proxy's HTTP/1.1 client: one pool of kept-alive connections per service, on asyncio with httptools' parser.

Why our own: in the deadline-day mix the gateway cost ~1.4 CPU-ms per request, and a py-spy profile put aiohttp's
client (ClientSession.request, its StreamWriter and ResponseHandler, yarl URLs, the tracing and timeout machinery)
at about a quarter of that. The proxy needs little of it: write a head it has already built, stream a body, parse
the answer's head with the C parser uvicorn uses, and hand back the body bytes as they come. With it a proxied GET
costs the gateway 0.74 x the instructions it did with aiohttp (909 against 1,234 thousand), 0.67 x the CPU time in
bench/gateway_overhead.py (bench/RESULTS.md, session 11, s11a).

What it does: a pool per service (at most `limit` connections, idle ones kept `keepalive_seconds`), a connect
timeout (the wait for a free connection included), a read timeout per read from the end of the request body on,
a write timeout per write of the body (a service that stops reading an upload), back-pressure both ways (reading
from the service pauses while the client is slower), request bodies of known length sent as they are, others
chunked. It reports a connection the service closed before answering, and whether it came from the pool, so the
proxy can send the request once more.

What it does not: HTTP/2, upgrades (WebSocket), `Expect: 100-continue`, trailers (dropped), redirects, cookies,
decompression (bodies are relayed as the service sent them), proxies (the environment's HTTP(S)_PROXY is never
read: internal calls must not leave through the host's outbound proxy). `https://` service URLs are served with the
ssl module's default context (system CAs, host name checked).
"""

from gateway.upstream_client.connection import (
    MAX_HEAD_BYTES,
    BadAnswer,
    ConnectFailed,
    Disconnected,
    UpstreamError,
    UpstreamTimeout,
)
from gateway.upstream_client.pool import UpstreamAnswer, UpstreamPool

__all__ = ["MAX_HEAD_BYTES", "BadAnswer", "ConnectFailed", "Disconnected", "UpstreamAnswer", "UpstreamError",
           "UpstreamPool", "UpstreamTimeout"]
