"""Statistics: what counts (no drills), punctuality, breaches per role, the CLI and /stats."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from support import CHAT, PLAN_TEXT, T0, small_plan
from test_service import BOSS, CLERK, EYE, report_high

from bot.cli import run
from bot.i18n import Translator
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.settings import Settings
from bot.stats import compute, render
from bot.store import SqliteStore

M, H = timedelta(minutes=1), timedelta(hours=1)


async def two_incidents_and_a_drill(service: IncidentService) -> None:
    first = await report_high(service)  # #1: confirmed after 30 min; report met late
    service.clock.advance(30 * M)  # type: ignore[attr-defined]
    await service.confirm(first, BOSS)
    service.clock.advance(50 * M)  # type: ignore[attr-defined]
    await service.done(first, CLERK, "report")  # due +60m, met at +80m
    second = await report_high(service)  # #2: confirmed after 10 min, report on time
    service.clock.advance(10 * M)  # type: ignore[attr-defined]
    await service.confirm(second, BOSS)
    await service.done(second, CLERK, "report")
    drill = await service.open_report(CHAT, EYE, "演练", drill=True)
    for index, option in enumerate(["high", "yes", "no"]):
        await service.answer(drill.id, EYE, index, option)


async def test_figures_leave_drills_out(service: IncidentService) -> None:
    await two_incidents_and_a_drill(service)
    now = T0 + 5 * H
    figures = compute(await service.store.list_incidents(), now)
    assert figures.incidents == 2 and figures.per_level == {"high": 2}
    assert figures.median_to_confirm_s == 20 * 60
    assert figures.on_time["report"] == [1, 2]
    assert figures.on_time["release"] == [0, 2]  # both due at +2h (and +2h20m), not met by +5h
    assert figures.breaches_per_role == {"office": 3}
    assert [item["number"] for item in figures.open] == [1, 2]
    since = compute(await service.store.list_incidents(), now, T0 + 80 * M)
    assert since.incidents == 1
    lines = render(figures, service.plans.get("small"), Translator("zh_CN"))
    assert lines[0] == "【测试预案】事件 2 起（不含演练）"
    assert "· 上报：按时 1/2（50%）" in lines
    assert "· 办公室 超时 3 次" in lines


def test_stats_command_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "y.db"

    async def make() -> None:
        async with await SqliteStore.open(database) as store:
            plans = PlanBook([small_plan(PLAN_TEXT)])
            await two_incidents_and_a_drill(IncidentService(store, plans, ManualClock(T0)))

    asyncio.run(make())
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "small.yaml").write_text(PLAN_TEXT, encoding="utf-8")
    settings = Settings(plans=plans, _env_file=None)  # type: ignore[call-arg]
    chart = tmp_path / "stats.png"
    code = run(["stats", "--json", "--database", str(database), "--chart", str(chart)], settings)
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["small"]["incidents"] == 2 and data["small"]["on_time_rate"]["report"] == 0.5
    assert chart.read_bytes()[:4] == b"\x89PNG"
    assert run(["stats", "--since", "yesterday", "--database", str(database)], settings) == 2
