"""Clock scenarios: cold start, reminder lateness and fan-out under flood limits."""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fakeapi import FloodControl, FloodLimits

from bench.api import BenchAPI, Sent
from bench.common import Bench, to_monotonic
from bench.plan import group
from bench.seed import retime, seed

DUE_MARK = re.compile(r"⏰ #(\d+)「.*」已到截止时间")
FAR = timedelta(hours=12)  # seeded obligations fall due this far ahead, out of the way


def reminders(api: BenchAPI) -> dict[int, Sent]:
    """Due reminders the fake accepted so far, by incident number (the first of each)."""
    found: dict[int, Sent] = {}
    for sent in api.accepted:
        match = DUE_MARK.match(sent.text) if sent.method == "sendMessage" else None
        if match:
            found.setdefault(int(match.group(1)), sent)
    return found


def duplicates(api: BenchAPI) -> int:
    """Due reminders sent more than once."""
    numbers = [m.group(1) for s in api.accepted if (m := DUE_MARK.match(s.text))]
    return len(numbers) - len(set(numbers))


async def wait_reminders(api: BenchAPI, count: int, timeout: float) -> dict[int, Sent]:
    """Wait until ``count`` distinct due reminders have arrived (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while len(reminders(api)) < count:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    return reminders(api)


async def seed_open(bench: Bench, db: str, count: int, chats: list[int]) -> float:
    """Seed ``count`` open incidents (obligations due far ahead, spread); return seconds."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    dues = [now + FAR + timedelta(seconds=i) for i in range(count)]
    await seed(db, bench.plan, chats, dues)
    return time.perf_counter() - started


@dataclass(frozen=True)
class ColdStart:
    """How a bot process started on a full database."""

    startup: float  # build -> stored opened, commands set, first tick booked
    spawn_to_ready: float  # process start -> polling
    peak_mb: float


async def cold_start(bench: Bench, api: BenchAPI, db: str) -> ColdStart:
    """Start the bot on ``db`` and stop it again."""
    async with bench.bot(api, "yuqing", db) as child:
        pass
    return ColdStart(child.ready["startup"], child.spawn_to_ready, child.stats.get("peak_mb", 0))


def lateness_plan(
    count: int, incidents: int, groups: int, spacing: float, lead: float
) -> dict[int, datetime]:
    """Incident numbers spread over the database, each due ``spacing`` after the previous.

    Incident n is in group n mod ``groups``: the step is coprime with it, so the reminders
    spread over every group instead of queueing behind a few groups' flood limits.
    """
    start = datetime.now(UTC) + timedelta(seconds=lead)
    step = max(1, incidents // count)
    while math.gcd(step, groups) != 1:
        step -= 1
    numbers = [1 + i * step for i in range(count)]
    return {n: start + timedelta(seconds=i * spacing) for i, n in enumerate(numbers)}


async def measure_lateness(api: BenchAPI, dues: dict[int, datetime]) -> tuple[list[float], int]:
    """Seconds each due reminder arrived after its due time, and how many never came."""
    window = (max(dues.values()) - datetime.now(UTC)).total_seconds() + 60
    found = await wait_reminders(api, len(dues), window)
    late = [found[n].at - to_monotonic(due) for n, due in dues.items() if n in found]
    return late, len(dues) - len(found)


@dataclass(frozen=True)
class FanOut:
    """A burst of reminders under Telegram's flood limits."""

    total: float  # due time -> last reminder accepted
    minimum: float  # the least the flood limits allow
    in_order: float  # the least for a sender that keeps the outbox order
    refused: dict[str, int]  # 429 answers, by the flood limit that was hit
    delivered: int
    twice: int


def fan_out_chats(count: int, groups: int) -> list[int]:
    """``count`` chats, the same number in each of ``groups`` groups, in a fixed random order."""
    chats = [group(i % groups) for i in range(count)]
    random.Random(7).shuffle(chats)
    return chats


async def fan_out(bench: Bench, api: BenchAPI, db: str, lead: float, *options: str) -> FanOut:
    """``reminders`` obligations across ``groups`` groups falling due at the same moment."""
    sizes = bench.sizes
    chats = fan_out_chats(sizes.reminders, sizes.groups)
    await seed_open(bench, db, sizes.reminders, chats)
    due = datetime.now(UTC) + timedelta(seconds=lead)
    await retime(db, {n: due for n in range(1, sizes.reminders + 1)})
    limits = FloodLimits()
    api.flood = FloodControl(limits)
    minimum = limits.minimum_seconds(chats)
    async with bench.bot(api, "yuqing", db, *options):
        found = await wait_reminders(api, sizes.reminders, lead + minimum * 3 + 60)
    last = max((s.at for s in found.values()), default=to_monotonic(due))
    total = last - to_monotonic(due)
    in_order = limits.in_order_seconds(chats)
    return FanOut(total, minimum, in_order, dict(api.flood.refused), len(found), duplicates(api))
