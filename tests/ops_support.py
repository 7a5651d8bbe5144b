"""Reading a running bot's /healthz and /metrics over real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from typing import Any

import httpx


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, path: str, method: str = "GET") -> httpx.Response:
    """One request to the bot's ops server."""
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.request(method, f"http://127.0.0.1:{port}{path}")


async def health(port: int) -> tuple[int, dict[str, Any]]:
    """The /healthz status and its JSON body."""
    answer = await get(port, "/healthz")
    return answer.status_code, json.loads(answer.text)


async def health_when(port: int, status: int, timeout: float = 30) -> dict[str, Any]:
    """Poll /healthz until it answers ``status`` (a server not yet up is waited for); the body."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            code, body = await health(port)
        except httpx.TransportError as exc:
            last = repr(exc)
        else:
            if code == status:
                return body
            last = f"{code} {body}"
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz never answered {status}; last: {last}")


def sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of the series ``name{labels}`` in a Prometheus text exposition, or None."""
    for line in metrics.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(4))
    return None


async def metrics_when(
    port: int, name: str, least: float, timeout: float = 30, **labels: str
) -> str:
    """Poll /metrics until ``name{labels}`` is at least ``least``; the whole exposition."""
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        text = (await get(port, "/metrics")).text
        value = sample(text, name, **labels)
        if value is not None and value >= least:
            return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name}{labels} never reached {least}:\n{text}")
