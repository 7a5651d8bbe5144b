"""The fake Bot API's opt-in flood limits: token buckets per bot, per group and per chat."""

from fakeapi import FloodControl, FloodLimits, Limit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_overall_limit_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(overall=Limit(30, 1.0)), clock)
    assert [flood.check("sendMessage", 1000 + i) for i in range(30)] == [0] * 30
    assert flood.check("sendMessage", 2000) == 1 and flood.refused == {"overall": 1}
    clock.now = 1 / 30
    assert flood.check("sendMessage", 2000) == 0


def test_group_and_chat_limits_and_what_does_not_count() -> None:
    clock = Clock()
    flood = FloodControl(FloodLimits(), clock)
    assert [flood.check("sendMessage", -100) for _ in range(3)] == [0, 0, 0]
    assert flood.check("sendMessage", -100) == 1  # one per second in a chat after a burst
    assert flood.check("editMessageText", -100) == 0  # edits are not counted
    answers = {}
    for second in range(1, 31):  # one a second is fine for a chat, not for a group's minute
        clock.now = float(second)
        answers[second] = flood.check("sendMessage", -100)
    refused = [second for second, wait in answers.items() if wait]
    assert refused and refused[0] > 20
    assert flood.check("sendMessage", 42) == 0  # other chats still go


def test_minimum_time_is_set_by_the_slowest_bucket() -> None:
    limits = FloodLimits()
    assert limits.minimum_seconds([-1] * 3) == 0.0
    assert limits.minimum_seconds([-i for i in range(1, 91)]) == (90 - 30) / 30
    assert limits.minimum_seconds([-1] * 23) == (23 - 3) / 1.0  # a chat: 1/s after 3
    assert limits.minimum_seconds([-1] * 40) == (40 - 20) / (20 / 60)  # a group: 20/min


def test_a_sender_keeping_its_order_can_need_longer() -> None:
    limits = FloodLimits()
    spread = [-i for i in range(1, 91)]
    assert abs(limits.in_order_seconds(spread) - limits.minimum_seconds(spread)) < 1e-6
    assert abs(limits.in_order_seconds([-1] * 5) - 2.0) < 1e-6  # 3 at once, then 1/s
