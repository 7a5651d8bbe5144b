"""The escalation ladder, 续报 and the holding reply through a running bot, across a restart.

The real service, delivery engine and clock on a real SQLite file, driven through the test
messenger; the bot is rebuilt on the same database halfway, as a restart would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_messenger import NAME, Face, FakeMessenger, Shown
from test_fake_messenger import GROUP, feishu_plan_text

from bot.domain.obligations import ObStatus
from bot.planfile import parse_plan_text
from bot.service.clock import ManualClock
from bot.service.plans import PlanBook
from bot.service.running import Running
from bot.store import SqliteStore

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def duties_plan_text() -> str:
    """The end-to-end plan with a deputy, a three-step ladder, 续报 and a holding reply."""
    text = feishu_plan_text()
    text = text.replace(
        "  eye: {", "  vice: {feishu: ou_vice, name: 赵副组长}\n  eye: {", 1
    ).replace(
        "  office: {title:",
        "  deputy: {title: {zh_CN: 副组长, en: Deputy}, members: [vice]}\n  office: {title:",
        1,
    )
    text = text.replace(
        "  escalate_after: 1\n  escalate_to: [leader]\n",
        "  escalate:\n    - {reminders: 1, to: [deputy]}\n    - {overdue: 4s, to: [leader]}\n",
    )
    return text.replace(
        "owner: office, within: 1h, approval: [leader]}\n",
        "owner: office, within: 1h, approval: [leader]}\n"
        "      - {id: answer, text: {zh_CN: 正式回复, en: Official reply}, owner: office,"
        " within: 5s}\n"
        "      - {id: holding, text: {zh_CN: 表态性回复, en: Holding reply}, owner: office,"
        " within: 30s, if_overdue: answer}\n"
        "    progress: {every: 20s, owner: office}\n",
        1,
    )


class Bot:
    """One run of the bot on the database; a new one is a restart."""

    def __init__(self, store: SqliteStore, clock: ManualClock, fake: FakeMessenger) -> None:
        plans = PlanBook([parse_plan_text(duties_plan_text(), "duties.yaml")])
        self.running = Running.of(store, plans, clock, [fake])
        self.face, self.clock, self.server = Face(self.running, fake.server), clock, fake.server

    def shown(self, text: str) -> list[Shown]:
        return [m for m in self.server.messages.values() if m.chat == GROUP and text in m.text]

    def ref(self, text: str) -> str:
        return [ref for ref, m in self.server.messages.items() if text in m.text][-1]

    async def later(self, seconds: int) -> None:
        for _ in range(seconds):
            self.clock.advance(timedelta(seconds=1))
            await self.running.changed()
            await self.running.deliveries[NAME].drain()


async def test_ladder_reports_and_holding_reply_survive_a_restart(tmp_path: Path) -> None:
    clock, fake, db = ManualClock(T0), FakeMessenger(), tmp_path / "y.db"
    fake.server.chats.add(GROUP)
    async with await SqliteStore.open(db) as store:
        bot = Bot(store, clock, fake)
        await bot.face.say(GROUP, "ou_eye", "/report 网帖称某单位违规收费")
        await bot.face.press(bot.ref("#1 定级问题 1/2"), "50条以内", "ou_eye")
        await bot.face.press(bot.ref("#1 定级问题 2/2"), "是", "ou_eye")
        await bot.face.press(bot.ref("#1 重大"), "✅ 确认等级", "ou_boss")
        await bot.later(5)  # report_up: due at 3 s, its 2nd reminder climbs to the deputy
    async with await SqliteStore.open(db) as store:  # restarted
        bot = Bot(store, clock, fake)
        await bot.later(5)  # 4 s overdue: the leader too
        up = bot.shown("「向上级报告」")
        first = [m for m in up if "第 1 级" in m.text]
        second = [m for m in up if "第 2 级" in m.text]
        assert len(first) == 1 and {"ou_clerk", "ou_vice"} <= set(first[0].mentioned)
        assert len(second) == 1 and {"ou_clerk", "ou_vice", "ou_boss"} <= set(second[0].mentioned)
        assert (
            "组长" in second[0].text
            and "副组长" not in second[0].text.split("现通知")[1].split("\n")[0]
        )

        owed = bot.shown("“正式回复”未能在期限内完成")  # the answer was due at 5 s
        assert len(owed) == 1 and "ou_clerk" in owed[0].mentioned
        await bot.face.say(GROUP, "ou_clerk", "/done 1 正式回复")
        await bot.later(1)
        assert len(bot.shown("“表态性回复”不再需要")) == 1

        await bot.face.say(GROUP, "ou_clerk", "/update 1 网上讨论减少，无新增负面。")
        incident = await store.get_incident(1)
        assert incident is not None
        assert incident.obligation("progress-1").status is ObStatus.MET
        assert incident.obligation("holding").status is ObStatus.SPARED
        await bot.later(25)  # progress-2 (due at 40 s) is reminded; no report is owed twice
        incident = await store.get_incident(1)
        assert incident is not None
        assert [s.id for s in incident.obligations if s.id.startswith("progress")] == [
            "progress-1",
            "progress-2",
        ]
    events = await _kinds(db)
    assert events.count("escalation") >= 2 and "standby_owed" in events
    assert "standby_spared" in events and "report_opened" in events


async def _kinds(db: Path) -> list[str]:
    async with await SqliteStore.open(db) as store:
        return [event.kind for event in await store.timeline(1)]
