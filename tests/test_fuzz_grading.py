"""Property tests of durations and grading: total, deterministic, as docs/plan-format.md says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st
from plan_strategies import FUZZ

from bot.domain.durations import MAX_DURATION, format_duration, parse_duration

WHOLE_SECONDS = st.integers(1, int(MAX_DURATION.total_seconds())).map(
    lambda seconds: timedelta(seconds=seconds)
)
UNITS = ("d", "h", "m", "s")


@FUZZ
@given(WHOLE_SECONDS)
def test_formatted_durations_read_back_the_same(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


@FUZZ
@given(st.lists(st.integers(0, 10**30), min_size=4, max_size=4))
@example([99999, 0, 0, 0])
@example([0, 0, 0, 0])
@example([3650, 0, 0, 1])
@example([10**20, 0, 0, 0])  # timedelta overflowed: OverflowError escaped the loader
def test_written_durations_mean_their_sum_or_are_refused(amounts: list[int]) -> None:
    text = "".join(f"{amount}{unit}" for amount, unit in zip(amounts, UNITS, strict=True) if amount)
    seconds = sum(a * s for a, s in zip(amounts, (86400, 3600, 60, 1), strict=True))
    if 0 < seconds <= MAX_DURATION.total_seconds():
        assert parse_duration(text) == timedelta(seconds=seconds)
    else:
        try:
            parse_duration(text)
        except ValueError:
            return
        raise AssertionError(f"{text!r} accepted")


@FUZZ
@given(st.text(max_size=30))
@example("99999999999999999999s")
@example("1.5h")
@example("-3h")
@example("0s")
@example(" 2H ")
def test_any_text_is_a_usable_duration_or_a_value_error(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert timedelta(0) < value <= MAX_DURATION
    assert parse_duration(format_duration(value)) == value
    assert datetime(2026, 1, 1, tzinfo=UTC) + value < datetime(9999, 1, 1, tzinfo=UTC)
