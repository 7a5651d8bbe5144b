"""Addresses a deployment gives: URLs, host names, and whether a server can listen on one."""

from __future__ import annotations

import re
import socket
from ipaddress import ip_address
from urllib.parse import SplitResult, urlsplit

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def _url_parts(value: str) -> SplitResult | None:
    """``value`` split as a URL: printable, no spaces, a valid port (None if it is not one)."""
    if not value.isprintable() or any(ch.isspace() for ch in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    return parts


def is_url(value: str, schemes: tuple[str, ...]) -> bool:
    """Whether ``value`` is an absolute URL with one of ``schemes`` and a host."""
    parts = _url_parts(value)
    return parts is not None and parts.scheme.lower() in schemes and bool(parts.hostname)


def server_url_ok(value: str) -> bool:
    """Whether a postgresql:// URL parses: printable, a valid port, a database name."""
    parts = _url_parts(value)
    name = parts.path.strip("/") if parts is not None else ""
    return bool(name) and "/" not in name


def is_host(value: str) -> bool:
    """Whether ``value`` is an IP address or a DNS host name."""
    try:
        ip_address(value)
        return True
    except ValueError:
        pass
    name = value[:-1] if value.endswith(".") else value
    labels = name.split(".")
    if not 0 < len(name) <= 253 or labels[-1].isdigit():  # 300.1.1.1 is a bad address, no name
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in labels)


def listen_error(host: str, port: int) -> OSError | None:
    """Bind (then close) every address a server on ``host:port`` would use; the first failure."""
    try:
        # as tornado (the webhook server) binds: every address of the name, IPv6 as IPv6 only
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        for family, kind, proto, _, address in found:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except OSError as exc:  # socket.gaierror (an unknown host name) is one too
        return exc
    return None
