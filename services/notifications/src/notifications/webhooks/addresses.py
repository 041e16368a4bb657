"""Where a webhook may point: an HTTPS endpoint on the public Internet, never inside our network (SSRF).

Checked when a subscription is saved and again before each delivery (a name may resolve elsewhere later).
`http://` and loopback addresses are allowed only with NOTIFICATIONS_WEBHOOKS_ALLOW_LOOPBACK (tests, development).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

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


async def check_resolved(url: str, *, allow_loopback: bool) -> None:
    """Every address the host resolves to must be public (or loopback with the allowance)."""
    host, port = check_url(url, allow_loopback=allow_loopback)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise RefusedAddress(f"Không phân giải được tên máy chủ {host}.") from exc
    for info in infos:
        _check_ip(ipaddress.ip_address(info[4][0]), allow_loopback=allow_loopback)
