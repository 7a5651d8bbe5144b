"""``check-plan --database``: which open incidents a plan edit affects, before the bot starts."""

import asyncio
from pathlib import Path

import pytest
from support import CHAT, PLAN_TEXT, T0, small_plan, tg_actor

from bot.cli import run
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.settings import Settings
from bot.store.opening import open_store

BOSS, EYE = tg_actor(1, None, "组长"), tg_actor(3)


async def incidents(db: str | Path) -> None:
    """#1 active at 重大; #2 still being graded (one answer given); #3 closed as a false alarm."""
    async with await open_store(db) as store:
        service = IncidentService(store, PlanBook([small_plan(PLAN_TEXT)]), ManualClock(T0))
        first = await service.open_report(CHAT, EYE, "网帖")
        for index, option in enumerate(["high", "yes", "no"]):
            await service.answer(first.id, EYE, index, option)
        await service.confirm(first.id, BOSS)
        second = await service.open_report(CHAT, EYE, "另一网帖")
        await service.answer(second.id, EYE, 0, "high")
        third = await service.open_report(CHAT, EYE, "误报")
        for index, option in enumerate(["low", "no", "no"]):
            await service.answer(third.id, EYE, index, option)
        await service.cancel(third.id, tg_actor(2, "clerk"))


def check(capsys: pytest.CaptureFixture[str], plan: Path, db: Path, lang: str) -> list[str]:
    settings = Settings(locale=lang, _env_file=None)  # type: ignore[call-arg]
    code = run(["check-plan", str(plan), "--database", str(db)], settings)
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    return out.splitlines()


def test_lists_the_open_incidents_an_edit_affects(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "y.db"
    asyncio.run(incidents(db))
    plan = tmp_path / "small.yaml"
    plan.write_text(PLAN_TEXT, encoding="utf-8")
    assert (
        check(capsys, plan, db, "zh_CN")[-1]
        == f"数据库 {db} 中的 2 起未结束事件都不受这些预案影响。"
    )
    edited = (
        PLAN_TEXT.replace("{id: report, text: 上报", "{id: report_up, text: 上报")
        .replace("{id: high, text: 多", "{id: lots, text: 多")
        .replace("reach: [mid, high]", "reach: [mid, lots]")
        .replace("{reach: high, hurt", "{reach: lots, hurt")
    )
    plan.write_text(edited, encoding="utf-8")
    lines = check(capsys, plan, db, "zh_CN")
    assert lines[-3] == f"数据库 {db} 中有 2 起未结束事件受这些预案影响（未结束事件共 2 起）："
    assert lines[-2] == (
        "#1（预案 small，等级 high，处置中）：现行预案中已没有任务“上报”、选项“多”，"
        "将按原名称显示并通知本群"
    )
    assert lines[-1] == "#2（预案 small，等级 —，定级中）：定级问题已修改，将请报告人重新回答"
    english = check(capsys, plan, db, "en")
    assert "the plan no longer has the task “上报”, the answer “多”" in english[-2]


def test_a_removed_plan_means_no_more_reminders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "y.db"
    asyncio.run(incidents(db))
    other = tmp_path / "other.yaml"
    other.write_text(PLAN_TEXT.replace("id: small", "id: other", 1).replace("-100500", "-100501"))
    lines = check(capsys, other, db, "zh_CN")
    assert lines[-2].startswith(
        "#1（预案 small，等级 high，处置中）：所属预案已不再加载，本群也未绑定"
    )
    assert lines[-1].startswith("#2（预案 small")
