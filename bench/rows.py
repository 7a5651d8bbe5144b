"""The table's rows from one run's measurements, each against the issue's target."""

from __future__ import annotations

from bench.clock import FanOut
from bench.common import Sizes
from bench.report import Row, ms, percentile, spread
from bench.run import Results


def _x(value: float) -> str:
    return f"{value:.2f}×"


def _by(counts: dict[str, int]) -> str:
    return "(" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ")" if counts else ""


def conversation_rows(r: Results, s: Sizes) -> list[Row]:
    """Round trips against the minimal reference bot; Bot API calls/s against the echo bot."""
    rows: list[Row] = []
    ref50 = percentile(r.ref_rt, 50)
    echo = f"echo {ms(percentile(r.echo_rt, 50))}"
    for name, sample in (("", r.bot_rt), (f", {s.incidents:,} open incidents", r.full_rt)):
        if not sample:
            continue
        ratio = percentile(sample, 50) / ref50
        rows.append(
            Row(
                f"first reply to `/report`{name}: round trip p50 (p99)",
                f"{ms(percentile(sample, 50))} ({ms(percentile(sample, 99))})",
                f"reference {ms(ref50)} ({ms(percentile(r.ref_rt, 99))}); {echo}",
                _x(ratio),
                "≤ 1.1×",
                ratio <= 1.1,
            )
        )
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


def late_rows(r: Results, s: Sizes) -> list[Row]:
    """Lateness and cold start."""
    assert r.cold is not None
    n = f"{s.incidents:,}"
    p99 = percentile(r.late, 99) if r.late else float("inf")
    return [
        Row(
            f"reminder lateness p50 / p99 / max, {n} pending ({s.late} fall due)",
            spread(r.late) if r.late else "none arrived",
            f"{r.late_missing} missing",
            "",
            "p99 ≤ 1 s",
            p99 <= 1.0 and r.late_missing == 0,
        ),
        Row(
            f"cold start, {n} open incidents: until polling (first tick booked)",
            f"{r.cold.startup:.2f} s",
            f"process start → polling {r.cold.spawn_to_ready:.2f} s",
            "",
            "≤ 2 s",
            r.cold.startup <= 2.0,
        ),
        Row(
            f"cold start, {n} open incidents: peak memory (RSS)",
            f"{r.cold.peak_mb:.0f} MB",
            f"echo {r.echo_peak_mb:.0f} MB",
            _x(r.cold.peak_mb / r.echo_peak_mb) if r.echo_peak_mb else "",
            "≤ 150 MB",
            r.cold.peak_mb <= 150,
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


def rows(r: Results, s: Sizes) -> list[Row]:
    """Every row of the scenarios that ran, in table order."""
    found = conversation_rows(r, s) if r.echo_rate is not None else []
    if r.cold is not None:
        found += late_rows(r, s)
    if r.fan is not None:
        found += fan_rows(r.fan, s)
    return found
