"""The table's rows from one run's measurements, each against the issue's target."""

from __future__ import annotations

from bench.clock import FanOut
from bench.common import Sizes
from bench.failover import Failover
from bench.report import Row, ms, percentile, spread
from bench.run import ClockRun, Results
from bench.stores import NAMES


def _x(value: float) -> str:
    return f"{value:.2f}×"


def _by(counts: dict[str, int]) -> str:
    return "(" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ")" if counts else ""


def conversation_rows(r: Results, s: Sizes) -> list[Row]:
    """Round trips against the minimal reference bot; Bot API calls/s against the echo bot."""
    echo = f"; echo {ms(percentile(r.echo_rt, 50))}"
    rows = [_first_reply("", r.bot_rt, r.ref_rt, f"reference on {NAMES[r.chat_store]}", echo)]
    rows += full_rows(r, s)
    assert r.echo_rate is not None
    echo_calls = r.echo_rate.calls_per_second
    for name, rate, target in (
        ("rate limiter off", r.free_rate, True),
        ("flood limits as built", r.bot_rate, False),
    ):
        assert rate is not None
        ratio = rate.calls_per_second / echo_calls
        rows.append(
            Row(
                f"report conversations: Bot API calls/s vs the echo bot's ({name})",
                f"{rate.calls_per_second:.0f}/s ({rate.per_second:.1f} conversations/s)",
                f"echo {echo_calls:.0f}/s",
                _x(ratio),
                "≥ 0.8×" if target else "",
                ratio >= 0.8 if target else None,
            )
        )
    return rows


def _first_reply(name: str, sample: list[float], ref: list[float], what: str, more: str) -> Row:
    """The first reply's row: the bot's round trips against the reference bot's."""
    ratio = percentile(sample, 50) / percentile(ref, 50)
    return Row(
        f"first reply to `/report`{name}: round trip p50 (p99)",
        f"{ms(percentile(sample, 50))} ({ms(percentile(sample, 99))})",
        f"{what} {ms(percentile(ref, 50))} ({ms(percentile(ref, 99))}){more}",
        _x(ratio),
        "≤ 1.1×",
        ratio <= 1.1,
    )


def full_rows(r: Results, s: Sizes) -> list[Row]:
    """The first reply on each store's full database, against the reference on that store."""
    return [
        _first_reply(
            f", {s.incidents:,} open incidents ({NAMES[c.store]})",
            c.full_rt,
            c.ref_rt,
            f"reference on {NAMES[c.store]}",
            "",
        )
        for c in r.clocks
    ]


def late_rows(c: ClockRun, s: Sizes) -> list[Row]:
    """Lateness, cold start and the steady tick, on one store."""
    n, on = f"{s.incidents:,}", NAMES[c.store]
    p99 = percentile(c.late, 99) if c.late else float("inf")
    small = f"{max(1, s.incidents // 100):,}"
    growth = c.tick.tick / c.tick_small.tick
    return [
        Row(
            f"reminder lateness p50 / p99 / max, {n} pending ({s.late} fall due), {on}",
            spread(c.late) if c.late else "none arrived",
            f"{c.late_missing} missing",
            "",
            "p99 ≤ 1 s",
            p99 <= 1.0 and c.late_missing == 0,
        ),
        Row(
            f"cold start, {n} open incidents, {on}: until polling (first tick booked)",
            f"{c.cold.startup:.2f} s",
            f"process start → polling {c.cold.spawn_to_ready:.2f} s",
            "",
            "≤ 2 s",
            c.cold.startup <= 2.0,
        ),
        Row(
            f"cold start, {n} open incidents, {on}: peak memory (RSS)",
            f"{c.cold.peak_mb:.0f} MB",
            "",
            "",
            "≤ 150 MB",
            c.cold.peak_mb <= 150,
        ),
        Row(
            f"clock tick with nothing due, {n} open incidents, {on}: median",
            ms(c.tick.tick),
            f"{ms(c.tick_small.tick)} with {small} open",
            _x(growth),
            "≤ 1.5×",
            growth <= 1.5,
        ),
        Row(
            f"first look after a start (every live incident once, a page a tick), {n}, {on}",
            f"{c.tick.first_look:.1f} s",
            f"{c.tick_small.first_look:.2f} s with {small} open",
            "",
        ),
    ]


def fan_rows(f: FanOut, s: Sizes, variant: str = "") -> list[Row]:
    """Fan-out under the flood limits."""
    ratio = f.total / f.minimum if f.minimum > 0 else float("inf")
    return [
        Row(
            f"fan-out{variant}, {s.reminders:,} reminders across {s.groups} groups:"
            " due → last sent",
            f"{f.total:.1f} s",
            f"flood-limit minimum {f.minimum:.1f} s ({f.in_order:.1f} s in outbox order)",
            _x(ratio) if f.minimum > 0 else "",
            "≤ 1.03×",
            f.total <= f.minimum * 1.03,
        ),
        Row(
            f"fan-out{variant}: 429 answers; reminders delivered (sent twice)",
            f"{sum(f.refused.values())} {_by(f.refused)}",
            f"{f.delivered} of {s.reminders} ({f.twice})",
            "",
            "0",
            not f.refused and f.delivered == s.reminders and f.twice == 0,
        ),
    ]


# A message Telegram accepted but the killed leader had not recorded is sent again by the new
# one (no idempotency key in the Bot API; docs/delivery.md): one sender, one message at a time.
IN_FLIGHT = 1


def failover_rows(f: Failover, s: Sizes) -> list[Row]:
    """The leader of two replicas killed with reminders due."""
    measure = (
        f"failover, {s.failover} reminders falling due: leader SIGKILLed → first sent by the other"
    )
    if f.skipped:
        return [Row(measure, f"skipped: {f.skipped}")]
    return [
        Row(
            measure,
            f"{f.resumed:.1f} s",
            f"{f.delivered} of {s.failover} delivered ({f.before_kill} before the kill),"
            f" {f.twice} twice",
            "",
            "≤ 10 s, none lost, twice at most the 1 on the wire",
            f.resumed <= 10 and f.delivered == s.failover and f.twice <= IN_FLIGHT,
        )
    ]


def rows(r: Results, s: Sizes) -> list[Row]:
    """Every row of the scenarios that ran, in table order."""
    # the clock scenario alone: its first replies still have their rows
    found = conversation_rows(r, s) if r.echo_rate is not None else full_rows(r, s)
    for c in r.clocks:
        found += late_rows(c, s)
    if r.fan is not None:
        found += fan_rows(r.fan, s)
    if r.failover is not None:
        found += failover_rows(r.failover, s)
    return found
