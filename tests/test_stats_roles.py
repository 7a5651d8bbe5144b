"""Statistics per level and per role: on time, late, missed, median lateness; by their names."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support import CHAT, PLAN_TEXT, T0, small_plan
from test_service import BOSS, CLERK, EYE, H, M, advance, report_high

from bot.cli import run
from bot.i18n import Translator
from bot.render.doc import Doc
from bot.render.plain import to_plain
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.service.queries import stats
from bot.settings import Settings
from bot.stats import Tally, compute, names_of, render
from bot.store import SqliteStore

# The small plan, with the release owed by a spokesperson rather than the office, and the report
# upward marked as a report (late: 迟报; the reply late: 逾期完成).
ROLE_PLAN = (
    PLAN_TEXT.replace(
        "{id: report, text: 上报, owner: office, within: 1h}",
        "{id: report, text: 上报, owner: office, within: 1h, report: true}",
    )
    .replace(
        "monitor: {title: 信息员, members: [eye]}",
        "monitor: {title: 信息员, members: [eye]}\n"
        "  spokes: {title: {zh_CN: 新闻发言人, en: Spokesperson}, members: [boss]}",
    )
    .replace("{id: release, text: 通稿, owner: office", "{id: release, text: 通稿, owner: spokes")
)
# The same plan edited later: the spokesperson gone, the level "low" renamed to "minor".
EDITED_PLAN = PLAN_TEXT.replace(
    "- id: low\n    name: {zh_CN: 一般, en: General}", "- id: minor\n    name: 较小"
)
NOW = T0 + 5 * H


async def report_low(service: IncidentService) -> int:
    incident = await service.open_report(CHAT, EYE, "某帖")
    for index, option in enumerate(["low", "no", "no"]):
        await service.answer(incident.id, EYE, index, option)
    await service.confirm(incident.id, CLERK)
    return incident.id


async def handle(service: IncidentService) -> None:
    """Incidents: on time, late, breached, unmet at close, late again; a false alarm; a drill."""
    on_time = await report_high(service)  # report on time; release never met: breached
    await service.confirm(on_time, BOSS)
    await service.done(on_time, CLERK, "report")
    late = await report_high(service)  # report 20 min late; release approved in time
    await service.confirm(late, BOSS)
    advance(service, 80 * M)
    await service.done(late, CLERK, "report")
    await service.submit(late, BOSS, "release", "通稿")
    await service.decide_content(late, BOSS, "release", approve=True)
    closed = await report_low(service)  # reply still owed, before its deadline, at the close
    await service.stabilise(closed, CLERK)
    await service.submit(closed, CLERK, "review", "总结")
    await service.decide_content(closed, BOSS, "review", approve=True)
    await service.close(closed, BOSS)
    slow = await report_low(service)  # reply 40 min late
    advance(service, 160 * M)
    await service.done(slow, CLERK, "reply")
    cancelled = await report_high(service)  # a false alarm, its tasks overdue: owes nothing
    await service.confirm(cancelled, BOSS)
    advance(service, 3 * H)
    await service.cancel(cancelled, BOSS)
    drill = await service.open_report(CHAT, EYE, "演练", drill=True)
    for index, option in enumerate(["high", "yes", "no"]):
        await service.answer(drill.id, EYE, index, option)
    await service.confirm(drill.id, BOSS)


@pytest.fixture
async def handled(tmp_path: Path) -> AsyncIterator[IncidentService]:
    """The service, on SQLite, after the six incidents above."""
    store = await SqliteStore.open(tmp_path / "y.db")
    service = IncidentService(store, PlanBook([small_plan(ROLE_PLAN)]), ManualClock(T0))
    await handle(service)
    yield service
    await store.close()


@pytest.mark.parametrize(
    ("kind", "item", "due", "on_time", "late", "missed", "median_late"),
    [
        ("level", "high", 4, 2, 1, 1, 20 * 60.0),  # report on time, late; release breached, met
        ("level", "low", 3, 1, 1, 1, 40 * 60.0),  # reply unmet at close, 40 min late; review
        ("role", "office", 5, 2, 2, 1, 30 * 60.0),  # both reports, both replies, the review
        ("role", "spokes", 2, 1, 0, 1, None),  # the two releases
    ],
)
async def test_figures_per_level_and_role(
    handled: IncidentService,
    kind: str,
    item: str,
    due: int,
    on_time: int,
    late: int,
    missed: int,
    median_late: float | None,
) -> None:
    figures = compute(await handled.store.list_incidents(), NOW)
    tally: Tally = (figures.by_level if kind == "level" else figures.by_role)[item]
    assert (tally.due, tally.on_time, tally.late, tally.missed) == (due, on_time, late, missed)
    assert tally.median_lateness_s == median_late
    assert set(figures.by_level) == {"high", "low"}  # the false alarm and the drill owe nothing
    assert set(figures.by_role) == {"office", "spokes"}


async def test_lines_name_levels_and_roles_in_the_chat_language(handled: IncidentService) -> None:
    incidents = await handled.store.list_incidents()
    plan = handled.plans.get("small")
    figures = compute(incidents, NOW, plan=plan)
    names = await names_of(incidents, handled.resolver)
    zh = render(figures, plan, Translator("zh_CN"), names)
    assert zh[zh.index("按级别（任务按时情况）：") + 1 :][:2] == [
        "· 一般：应办 3 项，按时 1（33%），迟报 0、逾期完成 1（超时中位数 40分钟），未完成 1",
        "· 重大：应办 4 项，按时 2（50%），迟报 1、逾期完成 0（超时中位数 20分钟），未完成 1",
    ]
    assert zh[zh.index("按角色（谁迟报、逾期完成或未完成）：") + 1 :][:2] == [
        "· 办公室：应办 5 项，按时 2（40%），迟报 1、逾期完成 1（超时中位数 30分钟），未完成 1",
        "· 新闻发言人：应办 2 项，按时 1（50%），迟报 0、逾期完成 0，未完成 1",
    ]
    en = render(figures, plan, Translator("en"), names)
    assert (
        "· General: 3 due, 1 on time (33%), 0 reported late, 1 done late (median 40 min late), "
        "1 missed" in en
    )
    assert "· Spokesperson: 2 due, 1 on time (50%), 0 reported late, 0 done late, 1 missed" in en


async def test_retired_levels_and_roles_keep_their_stored_names(
    handled: IncidentService,
) -> None:
    edited = IncidentService(handled.store, PlanBook([small_plan(EDITED_PLAN)]), handled.clock)
    incidents = await edited.store.list_incidents()
    figures = compute(incidents, NOW)
    names = await names_of(incidents, edited.resolver)
    lines = render(figures, edited.plans.get("small"), Translator("en"), names)
    assert (
        "· General: 3 due, 1 on time (33%), 0 reported late, 1 done late (median 40 min late), "
        "1 missed" in lines
    )
    assert "· Spokesperson: 2 due, 1 on time (50%), 0 reported late, 0 done late, 1 missed" in lines
    bare = render(figures, edited.plans.get("small"), Translator("en"))
    assert (
        "· spokes: 2 due, 1 on time (50%), 0 reported late, 0 done late, 1 missed" in bare
    )  # no names: the id


async def test_stats_reply_in_the_chat(handled: IncidentService) -> None:
    parts = await stats(handled, CHAT, None, Translator("en"))
    assert isinstance(parts[0], Doc)
    shown = to_plain(parts[0]).splitlines()
    assert "By role (who was late, who missed):" in shown
    assert any(line.startswith("· Spokesperson: 2 due") for line in shown)


def test_stats_command_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "y.db"

    async def make() -> None:
        async with await SqliteStore.open(database) as store:
            plans = PlanBook([small_plan(ROLE_PLAN)])
            await handle(IncidentService(store, plans, ManualClock(T0)))

    asyncio.run(make())
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "small.yaml").write_text(ROLE_PLAN, encoding="utf-8")
    settings = Settings(plans=plans, _env_file=None)  # type: ignore[call-arg]
    assert run(["stats", "--database", str(database)], settings) == 0
    text = capsys.readouterr().out.splitlines()
    assert "· 新闻发言人：应办 2 项，按时 1（50%），迟报 0、逾期完成 0，未完成 1" in text
    assert run(["stats", "--json", "--database", str(database)], settings) == 0
    data = json.loads(capsys.readouterr().out)["small"]
    assert data["incidents"] == 4 and data["false_alarms"] == 1
    levels = {row["id"]: row for row in data["by_level"]}
    assert levels["low"] == {
        "id": "low",
        "name": "一般",
        "due": 3,
        "on_time": 1,
        "late": 1,
        "late_reports": 0,  # the reply: done late (逾期完成), not a report
        "missed": 1,
        "on_time_rate": 0.333,
        "median_lateness_s": 2400.0,
    }
    roles = {row["id"]: (row["name"], row["missed"]) for row in data["by_role"]}
    assert roles == {"office": ("办公室", 1), "spokes": ("新闻发言人", 1)}
    high = next(row for row in data["by_level"] if row["id"] == "high")
    assert (high["late"], high["late_reports"]) == (1, 1)  # the report upward: 迟报
