"""Failover: two real ``yuqing-bot run`` on one PostgreSQL database, the leader SIGKILLed with
reminders falling due; how long until the other delivers, and whether any was lost or doubled.

The database is a throwaway cluster (tests/pg_support.py: initdb in a temp folder, a unix
socket only); without PostgreSQL binaries the row says so and is skipped.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import asyncpg
from pg_support import Cluster, find_bin
from process_support import BotProcess, start_bot

from bench.api import BenchAPI
from bench.clock import DUE_MARK, duplicates, reminders, seed_open
from bench.common import Bench
from bench.plan import group
from bench.seed import retime

LEADS = "this process leads the database"
FOLLOWS = "another process leads this database"
SPACING = 0.05  # seconds between two reminders' due times
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Failover:
    """One failover, or why it could not run."""

    resumed: float = 0.0  # SIGKILL -> the first reminder the other process delivered
    delivered: int = 0
    twice: int = 0
    before_kill: int = 0  # reminders delivered by the leader before it was killed
    skipped: str = ""


async def failover(bench: Bench, api: BenchAPI) -> Failover:
    """Seed, start two replicas, make reminders fall due, kill the leader, wait for the rest."""
    found = find_bin()
    if isinstance(found, str):
        return Failover(skipped=found)
    cluster = await asyncio.to_thread(partial(Cluster.create, found, durable=True))
    try:
        url = await cluster.create_database("failover")
        return await _run(bench, api, url)
    finally:
        await asyncio.to_thread(cluster.destroy)


async def _run(bench: Bench, api: BenchAPI, url: str) -> Failover:
    count = bench.sizes.failover
    await seed_open(bench, url, count, [group(i % bench.groups) for i in range(count)])
    bots: list[BotProcess] = []
    try:
        bots.append(await _replica(bench, api, url, "a", LEADS))
        bots.append(await _replica(bench, api, url, "b", FOLLOWS))
        start = datetime.now(UTC) + timedelta(seconds=1)
        due = {n: start + timedelta(seconds=(n - 1) * SPACING) for n in range(1, count + 1)}
        await retime(url, due)
        await _notify(url)
        await _until(lambda: len(reminders(api)) >= count // 3, 120)
        bots[0].process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        await bots[0].process.wait()
        before = len(reminders(api))
        await _until(lambda: len(reminders(api)) >= count, 120 + count * SPACING)
    finally:
        for bot in bots:
            await bot.stop()
    after = [s.at for s in api.accepted if s.at > killed and DUE_MARK.match(s.text)]
    resumed = min(after) - killed if after else float("inf")
    return Failover(resumed, len(reminders(api)), duplicates(api), before)


async def _replica(bench: Bench, api: BenchAPI, url: str, name: str, role: str) -> BotProcess:
    """``yuqing-bot run`` on ``url`` in a folder of its own, once it logged ``role``."""
    folder = bench.folder / f"replica-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    bot = await start_bot(
        api, folder / "unused.db", bench.plan_path, extra={"YUQING_DATABASE": url}
    )
    await _until(
        lambda: bool(bot.logged(role)) or bot.process.returncode is not None, START_TIMEOUT
    )
    if not bot.logged(role):
        raise RuntimeError(f"replica {name} did not start: {bot.lines[-5:]}")
    return bot


async def _notify(url: str) -> None:
    """What a follower's change does: tell the leader to look at the database."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pg_notify('yuqing_changed', '')")
    finally:
        await conn.close()


async def _until(check: Callable[[], bool], timeout: float) -> None:
    """Poll ``check()`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
