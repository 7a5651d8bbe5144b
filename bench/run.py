"""One benchmark run: every scenario in turn, each on a fresh fake server, then the rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from pg_support import Cluster

from bench.api import BenchAPI
from bench.chat import (
    Rate,
    conversation,
    echo_once,
    echo_unit,
    paired_rates,
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
from bench.failover import Failover, failover
from bench.plan import group
from bench.seed import retime
from bench.stores import Databases
from bench.tick import TickCost, tick_cost


@dataclass
class ClockRun:
    """The clock scenario's measurements on one store."""

    store: str
    seed_seconds: float
    cold: ColdStart
    late: list[float]
    late_missing: int
    full_rt: list[float]  # /report with the database full
    ref_rt: list[float]  # the reference bot on the same store, in turns with full_rt
    tick: TickCost  # on the full database
    tick_small: TickCost  # on one with 1% of the open incidents


@dataclass
class Results:
    """Raw measurements of one run."""

    echo_rt: list[float] = field(default_factory=list)
    ref_rt: list[float] = field(default_factory=list)  # the minimal reference bot
    chat_store: str = "sqlite"  # what the bot and the reference bot store to in ``chats``
    bot_rt: list[float] = field(default_factory=list)
    echo_rate: Rate | None = None
    bot_rate: Rate | None = None  # AIORateLimiter as built
    free_rate: Rate | None = None  # rate limiter removed
    echo_peak_mb: float = 0.0
    clocks: list[ClockRun] = field(default_factory=list)  # one per store
    fan: FanOut | None = None
    failover: Failover | None = None  # two replicas on PostgreSQL, the leader killed


async def fresh_api(bench: Bench) -> BenchAPI:
    """A started fake server knowing the benchmark's groups and users."""
    api = await BenchAPI().start()
    people(api, bench.fake_groups, bench.sizes.workers + 1)
    return api


async def chats(bench: Bench, out: Results, dbs: Databases) -> None:
    """Echo baseline, the minimal reference bot, then the bot: round trips and throughput."""
    s = bench.sizes
    apis: list[BenchAPI] = []
    try:
        # the echo bot, the reference bot and the bot each poll a fake server of their own
        echo_api, ref_api, api = [await fresh_api(bench) for _ in range(3)]
        apis += [echo_api, ref_api, api]
        async with bench.bot(echo_api, "echo") as echo:
            out.echo_rt = await round_trips(echo_api, echo_once, s.round_trips, s.warmup)
            await throughput(echo_api, echo_unit, s.warmup * s.workers, s.workers, 0)
            await replies(bench, out, dbs, (ref_api, api))
            async with bench.bot(api, "yuqing", await dbs.make("free"), "--no-rate-limit"):
                warm = s.warmup * s.workers
                await throughput(api, conversation, warm, s.workers, s.conversations)
                out.echo_rate, out.free_rate = await paired_rates(
                    (echo_api, api),
                    (echo_unit, conversation),
                    (s.echoes, s.conversations),
                    s.workers,
                )
        out.echo_peak_mb = echo.stats.get("peak_mb", 0.0)
    finally:
        for opened in apis:
            await opened.aclose()


async def replies(
    bench: Bench, out: Results, dbs: Databases, apis: tuple[BenchAPI, BenchAPI]
) -> None:
    """First replies of the reference bot and the bot in turns (so that both see the machine
    as loaded as the other did), then the bot's conversations with its flood limits."""
    s, (ref_api, api) = bench.sizes, apis
    out.chat_store = dbs.store
    async with (
        bench.bot(ref_api, "minimal", await dbs.make("minimal")),
        bench.bot(api, "yuqing", await dbs.make("chat")),
    ):
        out.ref_rt, out.bot_rt = await paired_round_trips(
            (ref_api, api), report_once, s.round_trips, s.warmup
        )
        out.bot_rate = await throughput(api, conversation, s.conversations, s.workers, 0)


async def clock(bench: Bench, out: Results, dbs: Databases) -> None:
    """Cold start and reminder lateness on a full database, then /report round trips on it
    (in turns with the reference bot on the same store); the steady tick's cost there and
    on a database with 1% of the incidents."""
    s = bench.sizes
    db, small = await dbs.make("full"), await dbs.make("small")
    spread = [group(i % bench.groups) for i in range(s.incidents)]
    seeded = await seed_open(bench, db, s.incidents, spread)
    await seed_open(bench, small, max(1, s.incidents // 100), spread)
    # also works out every wake-up, as a bot that ran would have (seeding leaves them unknown)
    ticks = [await tick_cost(d, bench.plan_path) for d in (db, small)]
    api, ref_api = await fresh_api(bench), await fresh_api(bench)
    try:
        cold = await cold_start(bench, api, db)
        lead = 2 * cold.spawn_to_ready + 2
        await retime(
            db, dues := lateness_plan(s.late, s.incidents, bench.groups, s.late_spacing, lead)
        )
        async with bench.bot(api, "yuqing", db):
            late, missing = await measure_lateness(api, dues)
            async with bench.bot(ref_api, "minimal", await dbs.make("minimal_full")):
                ref_rt, full_rt = await paired_round_trips(
                    (ref_api, api), report_once, s.round_trips, s.warmup
                )
    finally:
        await api.aclose()
        await ref_api.aclose()
    run = ClockRun(dbs.store, seeded, cold, late, missing, full_rt, ref_rt, *ticks)
    out.clocks.append(run)


async def flood(bench: Bench, out: Results, dbs: Databases) -> None:
    """Fan-out of reminders across groups under Telegram's flood limits."""
    lead = 2 * (out.clocks[0].cold.spawn_to_ready if out.clocks else 2.0) + 2
    api = await fresh_api(bench)
    try:
        out.fan = await fan_out(bench, api, await dbs.make("fan"), lead)
    finally:
        await api.aclose()


async def replicas(bench: Bench, out: Results, _: Databases) -> None:
    """Two replicas on one PostgreSQL database (a cluster of its own); the leader SIGKILLed."""
    api = await fresh_api(bench)
    try:
        out.failover = await failover(bench, api)
    finally:
        await api.aclose()


SCENARIOS = {"chats": chats, "clock": clock, "flood": flood, "failover": replicas}


async def run(
    bench: Bench,
    only: Collection[str] = tuple(SCENARIOS),
    stores: Sequence[str] = ("sqlite",),
    cluster: Cluster | None = None,
) -> Results:
    """The chosen scenarios (all by default), in a fixed order: the clock's on each of
    ``stores`` (PostgreSQL in ``cluster``), the others on the first."""
    out = Results()
    assert cluster is not None or "postgresql" not in stores, "PostgreSQL needs a cluster"
    on = {
        store: Databases(store, bench.folder / store, cluster if store == "postgresql" else None)
        for store in stores
    }
    for dbs in on.values():
        dbs.folder.mkdir(parents=True, exist_ok=True)
    for name, scenario in SCENARIOS.items():
        if name in only:
            for dbs in on.values() if name == "clock" else [on[stores[0]]]:
                await scenario(bench, out, dbs)
    return out
