"""Running a bot process (``bench.child``) and reading its READY and STATS lines."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench import ROOT

START_TIMEOUT = 120.0


class Child:
    """A bot process polling the fake server; ``async with Child(...) as child``."""

    def __init__(self, kind: str, api: str, token: str, log: Path, *options: str) -> None:
        self.argv = [sys.executable, "-m", "bench.child", kind, "--api", api, "--token", token]
        self.argv += options
        self.log = log
        self.ready: dict[str, float] = {}
        self.stats: dict[str, float] = {}
        self.spawn_to_ready = 0.0
        self._proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Child:
        started = time.perf_counter()
        with self.log.open("ab") as err:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )
        self.ready = await asyncio.wait_for(self._line("READY"), START_TIMEOUT)
        self.spawn_to_ready = time.perf_counter() - started
        return self

    async def __aexit__(self, *exc: object) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        if proc.returncode is None:
            proc.stdin.write(b"stop\n")
            await proc.stdin.drain()
            try:
                self.stats = await asyncio.wait_for(self._line("STATS"), 60)
            except (TimeoutError, RuntimeError):
                proc.kill()
        await proc.wait()

    async def _line(self, tag: str) -> dict[str, Any]:
        """The JSON after the next stdout line starting with ``tag``."""
        assert self._proc is not None and self._proc.stdout is not None
        while True:
            line = await self._proc.stdout.readline()
            if not line:
                raise RuntimeError(f"bot process ended before {tag}; see {self.log}")
            text = line.decode().strip()
            if text.startswith(tag + " "):
                found: dict[str, Any] = json.loads(text[len(tag) + 1 :])
                return found
