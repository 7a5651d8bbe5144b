"""What WeCom lets the bot answer: a message's reply once, a click's update once, in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.wecom.slots import REPLY_WINDOW, UPDATE_WINDOW, Click, Slots

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_message_is_replied_to_once_and_only_by_what_it_caused() -> None:
    ticks = Ticks()
    slots = Slots(now=ticks)
    slots.message("wrG", "REQ_1", T0)
    assert slots.take_reply("wrG", T0 - timedelta(seconds=1)) is None  # older than the message
    assert slots.take_reply("wrOTHER", T0) is None
    assert slots.take_reply("wrG", T0) == "REQ_1"
    assert slots.take_reply("wrG", T0) is None  # used up
    slots.message("wrG", "REQ_2", T0)
    ticks.now += REPLY_WINDOW + 1
    assert slots.take_reply("wrG") is None  # too late: pushed instead


def test_a_click_is_answered_once_within_the_window_else_its_answer_is_pushed() -> None:
    ticks = Ticks()
    slots = Slots(now=ticks)
    slots.click(Click("EVT_1", "task1", 7, ticks.now, "lisi"))
    assert slots.click_on(7) == "task1" and slots.click_on(8) is None
    assert slots.take_click("task1") is not None and slots.take_click("task1") is None
    assert not slots.answered_late("task1")  # answered in time
    slots.click(Click("EVT_2", "task1", 7, ticks.now, "lisi"))
    ticks.now += UPDATE_WINDOW + 0.5
    assert slots.click_on(7) is None and slots.take_click("task1") is None
    assert slots.answered_late("task1") and not slots.answered_late("task1")  # said once
