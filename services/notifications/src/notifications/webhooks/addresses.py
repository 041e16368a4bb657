"""Where a webhook may point: an HTTPS endpoint on the public Internet, never inside our network (SSRF).

Checked when a subscription is saved and again before each delivery (a name may resolve elsewhere later).
`http://` and loopback addresses are allowed only with NOTIFICATIONS_WEBHOOKS_ALLOW_LOOPBACK (tests, development).

DNS rebinding: a name that resolves to a public address when checked and to 10.0.0.5 a moment later, when the
HTTP client resolves it again to connect, would get past a check that only looks. So a delivery resolves the
name once (`resolve_target`), refuses it if any address is not public, and connects to that checked address
(`Target.connect_url`) while sending the original name as `Host` and as the TLS SNI / certificate name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# (host, port) → the addresses the name resolves to; the system's resolver unless a caller gives its own.
Resolver = Callable[[str, int], Awaitable[list[str]]]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class RefusedAddress(ValueError):
    """The URL is not one EduDX will call; the message is Vietnamese, for the admin."""


def _check_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool) -> None:
    if allow_loopback and ip.is_loopback:
        return
    if not ip.is_global or ip.is_multicast:
        raise RefusedAddress(f"Địa chỉ {ip} thuộc dải nội bộ hoặc dành riêng: EduDX không gửi webhook tới đó.")


def check_url(url: str, *, allow_loopback: bool) -> tuple[str, int]:
    """The URL's (host, port) if its form is acceptable; resolution is checked by `check_resolved`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise RefusedAddress("URL webhook phải có tên máy chủ.")
    if parts.username or parts.password:
        raise RefusedAddress("URL webhook không được chứa tên đăng nhập hay mật khẩu.")
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_loopback and host in LOOPBACK_HOSTS):
        raise RefusedAddress("URL webhook phải dùng HTTPS.")
    if host == "localhost" and not allow_loopback:
        raise RefusedAddress("EduDX không gửi webhook tới localhost.")
    try:
        _check_ip(ipaddress.ip_address(host), allow_loopback=allow_loopback)
    except ValueError as exc:
        if isinstance(exc, RefusedAddress):
            raise
    return host, parts.port or (443 if parts.scheme == "https" else 80)


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL as subscribed, and the one checked address it connects to."""

    url: str
    host: str
    address: str

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the name (the client must not resolve it again)."""
        parts = urlsplit(self.url)
        ip = ipaddress.ip_address(self.address)
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        netloc = literal + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))

    @property
    def host_header(self) -> str:
        parts = urlsplit(self.url)
        literal = f"[{self.host}]" if ":" in self.host else self.host
        return literal + (f":{parts.port}" if parts.port else "")


async def resolve_target(url: str, *, allow_loopback: bool, resolver: Resolver = system_resolver) -> Target:
    """Resolve the host once; every address must be public (or loopback with the allowance)."""
    host, port = check_url(url, allow_loopback=allow_loopback)
    try:
        addresses = await resolver(host.strip("[]"), port)
    except OSError as exc:
        raise RefusedAddress(f"Không phân giải được tên máy chủ {host}.") from exc
    if not addresses:
        raise RefusedAddress(f"Không phân giải được tên máy chủ {host}.")
    for address in addresses:
        _check_ip(ipaddress.ip_address(address.split("%")[0]), allow_loopback=allow_loopback)
    return Target(url=url, host=host, address=addresses[0].split("%")[0])


async def check_resolved(url: str, *, allow_loopback: bool, resolver: Resolver = system_resolver) -> None:
    """Every address the host resolves to must be public (or loopback with the allowance)."""
    await resolve_target(url, allow_loopback=allow_loopback, resolver=resolver)
