"""One benchmark run: every scenario in turn, each on a fresh fake server, then the rows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from bench.api import BenchAPI
from bench.chat import (
    Rate,
    conversation,
    echo_once,
    echo_unit,
    paired_round_trips,
    report_once,
    round_trips,
    throughput,
)
from bench.clock import (
    ColdStart,
    FanOut,
    cold_start,
    fan_out,
    lateness_plan,
    measure_lateness,
    seed_open,
)
from bench.common import Bench, people
from bench.plan import group
from bench.seed import retime


@dataclass
class Results:
    """Raw measurements of one run."""

    echo_rt: list[float] = field(default_factory=list)
    ref_rt: list[float] = field(default_factory=list)  # the minimal reference bot
    bot_rt: list[float] = field(default_factory=list)
    full_rt: list[float] = field(default_factory=list)  # /report with the database full
    echo_rate: Rate | None = None
    bot_rate: Rate | None = None  # AIORateLimiter as built
    free_rate: Rate | None = None  # rate limiter removed
    echo_peak_mb: float = 0.0
    seed_seconds: float = 0.0
    cold: ColdStart | None = None
    late: list[float] = field(default_factory=list)
    late_missing: int = 0
    fan: FanOut | None = None


async def fresh_api(bench: Bench) -> BenchAPI:
    """A started fake server knowing the benchmark's groups and users."""
    api = await BenchAPI().start()
    people(api, bench.fake_groups, bench.sizes.workers + 1)
    return api


async def chats(bench: Bench, out: Results) -> None:
    """Echo baseline, the minimal reference bot, then the bot: round trips and throughput."""
    s = bench.sizes
    api, ref_api = await fresh_api(bench), None
    try:
        async with bench.bot(api, "echo") as echo:
            out.echo_rt = await round_trips(api, echo_once, s.round_trips, s.warmup)
            await throughput(api, echo_unit, s.warmup * s.workers, s.workers, 0)
            out.echo_rate = await throughput(api, echo_unit, s.echoes, s.workers, 0)
        out.echo_peak_mb = echo.stats.get("peak_mb", 0.0)
        warm = s.warmup * s.workers
        ref_api = await fresh_api(bench)  # the reference bot polls a server of its own
        async with (
            bench.bot(ref_api, "minimal", bench.folder / "minimal.db"),
            bench.bot(api, "yuqing", bench.folder / "chat.db"),
        ):  # taken in turns, so that both see the machine as loaded as the other did
            out.ref_rt, out.bot_rt = await paired_round_trips(
                (ref_api, api), report_once, s.round_trips, s.warmup
            )
            out.bot_rate = await throughput(api, conversation, s.conversations, s.workers, 0)
        async with bench.bot(api, "yuqing", bench.folder / "free.db", "--no-rate-limit"):
            await throughput(api, conversation, warm, s.workers, s.conversations)
            out.free_rate = await throughput(api, conversation, s.conversations, s.workers, 0)
    finally:
        await api.aclose()
        if ref_api is not None:
            await ref_api.aclose()


async def clock(bench: Bench, out: Results) -> None:
    """Cold start and reminder lateness on a full database, then /report round trips on it."""
    s = bench.sizes
    db = bench.folder / "full.db"
    spread = [group(i % bench.groups) for i in range(s.incidents)]
    out.seed_seconds = await seed_open(bench, db, s.incidents, spread)
    api = await fresh_api(bench)
    try:
        out.cold = await cold_start(bench, api, db)
        lead = 2 * out.cold.spawn_to_ready + 2
        await retime(
            db, dues := lateness_plan(s.late, s.incidents, bench.groups, s.late_spacing, lead)
        )
        async with bench.bot(api, "yuqing", db):
            out.late, out.late_missing = await measure_lateness(api, dues)
            out.full_rt = await round_trips(api, report_once, s.round_trips, s.warmup)
    finally:
        await api.aclose()


async def flood(bench: Bench, out: Results) -> None:
    """Fan-out of reminders across groups under Telegram's flood limits."""
    lead = 2 * (out.cold.spawn_to_ready if out.cold else 2.0) + 2
    api = await fresh_api(bench)
    try:
        out.fan = await fan_out(bench, api, bench.folder / "fan.db", lead)
    finally:
        await api.aclose()


SCENARIOS = {"chats": chats, "clock": clock, "flood": flood}


async def run(bench: Bench, only: Collection[str] = tuple(SCENARIOS)) -> Results:
    """The chosen scenarios (all by default), in a fixed order."""
    out = Results()
    for name, scenario in SCENARIOS.items():
        if name in only:
            await scenario(bench, out)
    return out
