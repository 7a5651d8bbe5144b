"""The benchmark command works: a tiny run fills every row and delivers every reminder once."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pg_support import session_cluster  # noqa: E402

from bench.common import TINY, Bench  # noqa: E402
from bench.rows import rows  # noqa: E402
from bench.run import ClockRun, run  # noqa: E402

CLOCK_ROWS = [
    "reminder lateness p50 / p99 / max",
    "cold start",
    "cold start",
    "clock tick with nothing due",
    "first look after a start (every live incident once",
]


def clock_ran(clock: ClockRun, store: str) -> None:
    """Every lateness reminder came; the cold start and the ticks were measured."""
    assert clock.store == store
    assert len(clock.full_rt) == len(clock.ref_rt) == TINY.round_trips  # against the reference
    assert len(clock.late) == TINY.late and clock.late_missing == 0
    assert clock.cold.peak_mb > 0 and clock.tick.tick > 0 and clock.tick_small.tick > 0


async def test_tiny_run_fills_the_table(tmp_path: Path) -> None:
    bench = Bench(TINY, tmp_path)
    results = await run(bench)
    found = rows(results, TINY)
    assert [row.measure.split(":")[0].split(",")[0] for row in found] == [
        "first reply to `/report`",
        "first reply to `/report`",
        "report conversations",
        "report conversations",
        *CLOCK_ROWS,
        "fan-out",
        "fan-out",
        "failover",
    ]
    assert len(results.echo_rt) == len(results.ref_rt) == len(results.bot_rt) == TINY.round_trips
    assert results.echo_rate is not None and results.echo_rate.count == TINY.echoes
    assert results.free_rate is not None and results.free_rate.count == TINY.conversations
    # a conversation is 7 Bot API calls: 3 messages, 2 edits, 2 answered presses
    assert results.free_rate.calls >= 7 * TINY.conversations
    [clock] = results.clocks
    clock_ran(clock, "sqlite")
    fan = results.fan
    assert fan is not None and fan.delivered == TINY.reminders and fan.twice == 0
    failover = results.failover
    assert failover is not None
    if not failover.skipped:  # PostgreSQL is installed: the killed leader's reminders all came
        assert failover.delivered == TINY.failover and failover.twice <= 1


async def test_tiny_clock_run_on_postgresql(tmp_path: Path) -> None:
    cluster = session_cluster()  # skips, saying why, without a PostgreSQL server
    results = await run(Bench(TINY, tmp_path), ["clock"], ["postgresql"], cluster)
    [clock] = results.clocks
    clock_ran(clock, "postgresql")
    found = rows(results, TINY)
    assert "PostgreSQL" in found[-1].measure
    assert "(PostgreSQL)" in found[0].measure and "reference on PostgreSQL" in found[0].baseline
