"""A small HTTP server on the bot's own event loop: GET /healthz and GET /metrics, nothing else.

Plain asyncio rather than a web framework: two read-only paths, one request per connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress

from bot.domain.errors import StoreError
from bot.ops.health import Probe, check
from bot.ops.metrics import CONTENT_TYPE, PromMeter

log = logging.getLogger(__name__)

READ_TIMEOUT = 10.0  # seconds to send the request head
MAX_HEADERS = 100
REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
JSON = "application/json; charset=utf-8"

Answer = tuple[int, str, bytes]


class OpsServer:
    """Serves /healthz (200 or 503, JSON) and /metrics (Prometheus text) on ``listen:port``."""

    def __init__(self, listen: str, port: int, probe: Probe, meter: PromMeter) -> None:
        self.listen, self.port, self.probe, self.meter = listen, port, probe, meter
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen (OSError if the address cannot be used)."""
        self._server = await asyncio.start_server(self._serve, self.listen, self.port)
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.listen, self.port)

    async def stop(self) -> None:
        """Stop listening and close the open connections."""
        if self._server is not None:
            self._server.close()
            with suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                method, path = await _read_head(reader)
            status, kind, body = await self.answer(method, path)
            head = (
                f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a client that sends nothing sensible gets the connection closed
        except Exception:
            log.exception("the health and metrics server could not answer a request")
        finally:
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()

    async def answer(self, method: str, path: str) -> Answer:
        """Status, content type and body for one request."""
        if path not in ("/healthz", "/metrics"):
            return 404, JSON, b'{"error": "not found"}'
        if method not in ("GET", "HEAD"):
            return 405, JSON, b'{"error": "only GET and HEAD"}'
        if path == "/healthz":
            return await self._health()
        return await self._metrics()

    async def _health(self) -> Answer:
        problems = await check(self.probe)
        ok = all(problem is None for problem in problems.values())
        checks: dict[str, dict[str, object]] = {
            name: {"ok": problem is None, **({"problem": problem} if problem else {})}
            for name, problem in problems.items()
        }
        checks["leader"]["this_process"] = self.probe.leading
        body = {"status": "ok" if ok else "unhealthy", "checks": checks}
        return 200 if ok else 503, JSON, json.dumps(body, ensure_ascii=False).encode()

    async def _metrics(self) -> Answer:
        running = self.probe.running
        # a database that cannot be read leaves the outbox gauges as they were; /healthz says why
        with suppress(StoreError):
            now = running.service.clock.now()
            await self.meter.refresh(running.service.store, now, self.probe.leading)
        return 200, CONTENT_TYPE, self.meter.exposition()


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, str]:
    """The request's method and path; the headers are read and ignored (ValueError: not HTTP)."""
    parts = (await reader.readuntil(b"\n")).decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError("not an HTTP request line")
    for _ in range(MAX_HEADERS):
        if (await reader.readuntil(b"\n")).strip() == b"":
            return parts[0].upper(), parts[1].split("?", 1)[0]
    raise ValueError("too many headers")
