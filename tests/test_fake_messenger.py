"""A whole incident through the test-only fake messenger: a new messenger is small.

The real service, the real delivery engine and clock, a real SQLite file; the messenger is
tests/fake_messenger.py (a parser, a renderer with its own mentions, a client). People are
known by the plan's ``feishu`` handles; the group by ``chats: {feishu: […]}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import PLANS
from fake_messenger import NAME, Face, FakeMessenger, Shown

from bot.planfile import parse_plan_text
from bot.service.clock import ManualClock
from bot.service.plans import PlanBook
from bot.service.running import Running
from bot.store import SqliteStore

GROUP = "oc_group"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HANDLES = {"boss": "ou_boss", "clerk": "ou_clerk", "eye": "ou_eye"}


def feishu_plan_text() -> str:
    """The end-to-end plan, run in a fake-messenger group, its people known by handle there."""
    text = (PLANS / "e2e.yaml").read_text(encoding="utf-8")
    text = text.replace("chats: {telegram: [-100777]}", f"chats: {{feishu: [{GROUP}]}}")
    for person, handle in HANDLES.items():
        text = text.replace(f"  {person}: {{name:", f"  {person}: {{feishu: {handle}, name:")
    return text


class Group:
    """The fake group as its members see it."""

    def __init__(self, face: Face, clock: ManualClock) -> None:
        self.face, self.clock, self.server = face, clock, face.server

    def messages(self) -> list[Shown]:
        return [m for m in self.server.messages.values() if m.chat == GROUP]

    def ref(self, text: str) -> str:
        """The newest message showing ``text``."""
        found = [ref for ref, m in self.server.messages.items() if text in m.text]
        assert found, f"no message shows {text!r}: {[m.text for m in self.messages()]}"
        return found[-1]

    def shows(self, text: str) -> Shown:
        return self.server.messages[self.ref(text)]

    async def later(self, seconds: float) -> None:
        """Time passes a second at a time, the clock ticking as it would."""
        for _ in range(int(seconds)):
            self.clock.advance(timedelta(seconds=1))
            await self.face.running.changed()
            await self.face.running.deliveries[NAME].drain()


@pytest.fixture
async def group(tmp_path: Path) -> AsyncIterator[Group]:
    clock = ManualClock(T0)
    plans = PlanBook([parse_plan_text(feishu_plan_text(), "feishu.yaml")])
    fake = FakeMessenger()
    fake.server.chats.add(GROUP)
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        running = Running.of(store, plans, clock, [fake])
        yield Group(Face(running, fake.server), clock)


async def test_a_whole_incident_through_the_fake_messenger(group: Group) -> None:
    face = group.face
    await face.say(GROUP, "ou_eye", "/report 网帖称某单位违规收费")
    await face.press(group.ref("#1 定级问题 1/2"), "50条以内", "ou_eye")
    await face.press(group.ref("#1 定级问题 2/2"), "是", "ou_eye")
    card = group.shows("#1 重大")
    assert "主流媒体" in card.text  # the reason the level was set
    assert {"ou_boss", "ou_clerk"} <= set(card.mentioned)  # the people the plan names
    assert "<at id=ou_boss>王组长</at>" in card.text

    await face.press(group.ref("#1 重大"), "✅ 确认等级", "ou_eye")  # not a leader
    assert "组长" in group.messages()[-1].text and group.shows("#1 重大").edits == 0
    await face.press(group.ref("#1 重大"), "✅ 确认等级", "ou_boss")
    assert group.shows("#1 重大").edits >= 1

    await group.later(8)  # report_up (3 s) falls due, overdue, escalated to the leader
    assert "已到截止时间" in group.shows("「向上级报告」已到截止时间").text
    escalated = group.shows("已按预案报告上级领导")
    assert "ou_boss" in escalated.mentioned and "ou_clerk" in escalated.mentioned

    await face.say(GROUP, "ou_clerk", "/done 1 report_up")
    await face.say(GROUP, "ou_clerk", "/draft 1 release 通稿：已核实并整改。")
    await face.press(group.ref("通稿：已核实并整改。"), "✅ 批准", "ou_boss")
    await face.press(group.ref("#1 重大"), "🟢 已平稳", "ou_boss")
    await group.later(6)  # the follow-ups (续报) fall due
    await face.say(GROUP, "ou_clerk", "/review 1 书面总结：处置及时。")
    await face.press(group.ref("书面总结：处置及时。"), "✅ 批准", "ou_boss")
    assert group.shows("已批准书面总结，事件结案").chat == GROUP
    await face.say(GROUP, "ou_eye", "/status 1")
    assert "已结案" in group.messages()[-1].text
