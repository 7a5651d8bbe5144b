"""迟报 is a report made late, 逾期完成 any other task done late: one rule, wherever shown."""

import asyncio
import io
from contextlib import redirect_stdout
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import run
from bot.domain.obligations import REVIEW_ID, ObligationState
from bot.domain.series import instance_id
from bot.domain.verdicts import Late, late_kind
from bot.drill.command import drill
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.render.card import card
from bot.render.plain import to_plain
from bot.settings import Settings
from bot.stats import compute, render
from bot.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "plans" / "county.yaml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# 重大: the report upward (2 h) is made 70 minutes late, the release (24 h) approved 90 late
SCRIPT = """\
- at: 0
  report: 某论坛出现反映某部门工作人员态度粗暴的帖子，已被本地电视台报道。
- at: 2m
  answer: {reach: 100to500, media: "yes", key_subject: "no", harm: "no", category: inquiry}
- at: 10m
  confirm: true
- at: 3h10m
  done: report_up
- at: 25h
  draft: {obligation: release, text: 关于网帖反映问题的情况通报：经核实……}
- at: 25h30m
  approve: release
"""


def test_the_rule_a_report_is_late_reported_any_other_task_done_late() -> None:
    plan = load_plan(COUNTY)
    assert late_kind(plan, "major", ObligationState("report_up", "involved", None)) is Late.REPORT
    assert late_kind(plan, "major", ObligationState("release", "spokes", None)) is Late.TASK
    assert late_kind(plan, "general", ObligationState("respond", "involved", None)) is Late.TASK
    progress = ObligationState(instance_id("progress", 2), "office", None)
    assert late_kind(plan, "major", progress) is Late.REPORT  # a 续报
    assert late_kind(plan, "major", ObligationState(REVIEW_ID, "office", None)) is Late.REPORT
    gone = ObligationState("retired", "office", None)
    assert late_kind(plan, "major", gone) is Late.TASK  # a task the plan no longer has
    assert late_kind(None, "major", ObligationState("report_up", "involved", None)) is Late.TASK


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The script played in Chinese: its database, and the drill report's lines."""
    folder = tmp_path_factory.mktemp("late")
    script = folder / "late.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    database, printed = folder / "d.db", io.StringIO()
    with redirect_stdout(printed):
        asyncio.run(drill(Translator("zh_CN"), COUNTY, script, None, START, database))
    return database, printed.getvalue().splitlines()


def test_the_drill_report_says_which(played: tuple[Path, list[str]]) -> None:
    _, lines = played
    report = lines[next(i for i, line in enumerate(lines) if line.startswith("—— 演练报告")) :]
    up = next(line for line in report if "报告党工委" in line)
    release = next(line for line in report if "新闻发言人发布权威信息" in line)
    assert up.endswith("迟报：超时 1小时10分钟 报送 ✗")
    assert release.endswith("逾期完成：超时 1小时30分钟 ✗")
    assert "迟报 1 项，逾期完成 1 项" in report[-1]


def test_the_export_says_which(played: tuple[Path, list[str]], tmp_path: Path) -> None:
    database, _ = played
    out = tmp_path / "r.md"
    settings = Settings(locale="zh_CN", plans=ROOT / "plans", _env_file=None)  # type: ignore[call-arg]
    args = ["export", "1", "--format", "md", "--database", str(database), "--output", str(out)]
    assert run(args, settings) == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    up = next(row for row in rows if row.startswith("| 涉事主体评估舆情走势"))
    release = next(row for row in rows if row.startswith("| 新闻发言人发布权威信息"))
    assert up.endswith("| 迟报（超时 1小时10分钟）；曾升级至第2级 |")  # the report also climbed
    assert "| 逾期完成（超时 1小时30分钟）" in release


async def test_the_card_and_the_stats_say_which(played: tuple[Path, list[str]]) -> None:
    database, _ = played
    plan = load_plan(COUNTY)
    t = Translator("zh_CN")
    async with await SqliteStore.open(database) as store:
        incident = await store.get_by_number(1)
        assert incident is not None
        now = incident.reported_at + timedelta(days=2)  # both were met by then
        shown = to_plain(card(incident, plan, t, now, []))
        assert "报送（迟报 1小时10分钟）" in shown
        assert "完成（逾期 1小时30分钟）" in shown
        figures = compute([replace(incident, is_drill=False)], now, plan=plan)
    lines = render(figures, plan, t)
    major = next(line for line in lines if line.startswith("· 重大：应办"))
    assert "迟报 1、逾期完成 1" in major
