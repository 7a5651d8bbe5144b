"""What every scenario shares: sizes, the working folder, and starting bots on a fake server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.api import BenchAPI
from bench.plan import BOSS, CLERK, group, informant, write_plan
from bench.procs import Child
from bot.domain.plan import Plan


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is."""

    incidents: int = 10_000  # open incidents for cold start and reminder lateness
    late: int = 200  # of those, how many fall due while lateness is measured
    late_spacing: float = 0.1  # seconds between their due times
    reminders: int = 1_000  # fan-out: reminders falling due at once
    groups: int = 50  # fan-out: across this many groups
    round_trips: int = 100  # /report and echo round trips
    conversations: int = 100  # report conversations for throughput
    echoes: int = 1_000  # echo updates for throughput (about as long as the conversations)
    workers: int = 8  # concurrent reporters / echo senders
    warmup: int = 5
    failover: int = 200  # reminders falling due while the leader of two replicas is killed


TINY = Sizes(
    incidents=20,
    late=5,
    reminders=10,
    groups=5,
    round_trips=5,
    conversations=4,
    echoes=8,
    workers=2,
    warmup=1,
    failover=20,
)


@dataclass
class Bench:
    """One benchmark run: sizes, a working folder, the plan, and the bot processes' logs."""

    sizes: Sizes
    folder: Path
    profile: Path | None = None
    baselines_http: str = "httpx"  # the echo and reference bots' HTTP client (or "aiohttp")
    plan_path: Path = field(init=False)
    plan: Plan = field(init=False)
    groups: int = field(init=False)  # bound to the plan
    fake_groups: int = field(init=False)  # known to the fake server (echo uses more)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        s = self.sizes
        warm = s.warmup * s.workers
        self.groups = max(s.groups, s.conversations + warm, s.round_trips + s.warmup, 1)
        self.fake_groups = max(self.groups, s.echoes + warm)
        self.plan_path, self.plan = write_plan(self.folder, self.groups, s.workers + 1)
        self.log = self.folder / "bots.log"

    @asynccontextmanager
    async def bot(
        self, api: BenchAPI, kind: str, database: str | None = None, *options: str
    ) -> AsyncIterator[Child]:
        """A bot process (``yuqing``, ``echo`` or ``minimal``) polling ``api``."""
        args = list(options)
        if database is not None:
            args += ["--database", str(database)]
        if kind in ("echo", "minimal") and self.baselines_http == "aiohttp":
            args.append("--aiohttp")
        if kind == "yuqing":
            assert database is not None
            args += ["--plans", str(self.plan_path)]
        if self.profile is not None:
            self.profile.mkdir(parents=True, exist_ok=True)
            name = f"{kind}-{len(list(self.profile.iterdir())) + 1}.txt"
            args += ["--profile", str(self.profile / name)]
        async with Child(kind, api.base_url, api.token, self.log, *args) as child:
            yield child


def people(api: BenchAPI, groups: int, informants: int) -> None:
    """The benchmark groups and users as the fake Telegram knows them."""
    api.user(BOSS, "王", last_name="组长")
    api.user(CLERK, "李", username="li_clerk")
    for i in range(informants):
        api.user(informant(i), f"信息员{i}")
    for i in range(groups):
        api.group(group(i), f"基准群{i}")


def to_monotonic(moment: datetime) -> float:
    """A wall-clock moment on this process's monotonic clock."""
    return time.monotonic() - (datetime.now(UTC) - moment).total_seconds()
