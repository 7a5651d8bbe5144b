"""The delivery engine's flood gate and round-robin, on an injected clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.service.flood import Gate, Rotation
from bot.service.transport import Capabilities, Rate
from bot.store import OutboxItem

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LIMITS = Capabilities(
    edits=True,
    edit_window=None,
    push=True,
    mentions=True,
    text_limit=4096,
    buttons=None,
    button_label=None,
    overall=(Rate(30, 1.0),),
    per_chat=(Rate(20, 60.0), Rate(3, 3.0)),
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def item(item_id: int, chat: str, kind: str = "reminder") -> OutboxItem:
    return OutboxItem(item_id, chat, kind, {}, T0)


def test_a_chat_gets_its_burst_then_one_a_second_and_reminders_leave_a_reply_its_token() -> None:
    clock = Clock()
    gate = Gate(LIMITS, clock)
    for _ in range(2):  # reminders: the burst of 3 less the reply's reserve
        assert gate.wait("t:1", reply=False) == 0.0
        gate.take("t:1")
    assert gate.wait("t:1", reply=False) > 0  # the last token is kept ...
    assert gate.wait("t:1", reply=True) == 0.0  # ... for a reply
    gate.take("t:1")
    assert abs(gate.wait("t:1", reply=True) - 1.0) < 1e-9  # then one a second
    assert gate.wait("t:2", reply=False) == 0.0  # other chats are not held
    clock.now = 1.0
    assert gate.wait("t:1", reply=True) == 0.0


def test_the_overall_limit_holds_every_chat_and_a_refusal_holds_its_chat() -> None:
    clock = Clock()
    gate = Gate(LIMITS, clock)
    for chat in range(30):
        assert gate.wait(f"t:{chat}") == 0.0
        gate.take(f"t:{chat}")
    assert abs(gate.wait("t:99") - 1 / 30) < 1e-9
    gate.hold("t:5", 7.0)
    clock.now = 1.0
    assert gate.wait("t:99") == 0.0
    assert abs(gate.wait("t:5") - 6.0) < 1e-9


def test_a_throttled_chat_is_passed_over_not_waited_on() -> None:
    clock = Clock()
    gate = Gate(LIMITS, clock)
    rotation = Rotation([item(1, "t:a"), item(2, "t:a"), item(3, "t:a"), item(4, "t:b")])
    sent = []
    while isinstance(found := rotation.next(gate), OutboxItem):
        gate.take(found.chat)
        rotation.done(found)
        sent.append(found.id)
    assert sent == [1, 4, 2]  # chat a's burst (less the reserve), chat b between
    assert abs(found - 1.0) < 1e-9  # the third reminder of chat a waits a second
    clock.now = found
    assert rotation.next(gate) == item(3, "t:a")


def test_replies_go_before_a_chats_queued_reminders_each_lane_in_order() -> None:
    items = [item(1, "t:a"), item(2, "t:a"), item(3, "t:a", "question"), item(4, "t:a", "card")]
    rotation = Rotation(items)
    clock = Clock()
    gate = Gate(LIMITS, clock)
    order = []
    while rotation:
        found = rotation.next(gate)
        if isinstance(found, float):
            clock.now += found
            continue
        gate.take(found.chat)
        rotation.done(found)
        order.append(found.id)
    assert order == [3, 4, 1, 2]  # replies first; then the reminders, in order


def test_chats_take_turns_and_a_chat_that_leaves_is_dropped() -> None:
    unlimited = Gate(Capabilities(True, None, True, True, 4096, None, None), Clock())
    rotation = Rotation([item(i, f"t:{i % 3}") for i in range(1, 10)])
    rotation.drop("t:2")
    order = []
    while rotation:
        found = rotation.next(unlimited)
        assert isinstance(found, OutboxItem)
        rotation.done(found)
        order.append(found.id)
    assert order == [1, 3, 4, 6, 7, 9]  # chat 1, chat 0, chat 1, chat 0 ...: turn about


def test_a_refusal_holds_its_chat_even_where_no_limit_is_known() -> None:
    clock = Clock()
    gate = Gate(Capabilities(True, None, True, True, 4096, None, None), clock)
    gate.hold("t:1", 2.0)
    assert abs(gate.wait("t:1") - 2.0) < 1e-9 and gate.wait("t:2") == 0.0
    clock.now = 2.0
    assert gate.wait("t:1") == 0.0


def test_a_lane_that_runs_out_asks_for_more_only_if_the_claim_filled_it() -> None:
    items = [item(1, "t:a"), item(2, "t:a"), item(3, "t:b"), item(4, "t:a", "question")]
    rotation = Rotation(items, window=2)
    assert rotation.done(items[2]) is False  # chat b's only reminder: nothing was left behind
    assert rotation.done(items[3]) is False  # chat a's only reply
    assert rotation.done(items[0]) is False
    assert rotation.done(items[1]) is True  # chat a's reminders filled the window: maybe more
    assert not rotation
    cut = Rotation(items[2:], window=2, cap=2)  # the claim hit its cap: any chat may owe more
    assert cut.done(items[2]) is True
