"""The benchmark command works: a tiny run fills every row and delivers every reminder once."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import TINY, Bench  # noqa: E402
from bench.rows import rows  # noqa: E402
from bench.run import run  # noqa: E402


async def test_tiny_run_fills_the_table(tmp_path: Path) -> None:
    bench = Bench(TINY, tmp_path)
    results = await run(bench)
    found = rows(results, TINY)
    assert [row.measure.split(":")[0].split(",")[0] for row in found] == [
        "first reply to `/report`",
        "first reply to `/report`",
        "report conversations",
        "report conversations",
        "reminder lateness p50 / p99 / max",
        "cold start",
        "cold start",
        "fan-out",
        "fan-out",
    ]
    assert len(results.echo_rt) == len(results.ref_rt) == TINY.round_trips
    assert len(results.bot_rt) == len(results.full_rt) == TINY.round_trips
    assert results.echo_rate is not None and results.echo_rate.count == TINY.echoes
    assert results.free_rate is not None and results.free_rate.count == TINY.conversations
    # a conversation is 7 Bot API calls: 3 messages, 2 edits, 2 answered presses
    assert results.free_rate.calls >= 7 * TINY.conversations
    assert len(results.late) == TINY.late and results.late_missing == 0
    fan = results.fan
    assert fan is not None and fan.delivered == TINY.reminders and fan.twice == 0
    assert results.cold is not None and results.cold.peak_mb > 0
