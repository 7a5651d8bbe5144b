"""The shipped drills: every plan has a script, and each script rehearses its seed's deadlines.

The timings below are read from the seed texts in shared/seeds/, not from the plan files: a plan
that drifts from its seed fails here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import run
from bot.domain.lifecycle import State
from bot.drill.command import DrillResult, drill
from bot.drill.report import outcomes
from bot.drill.script import load_script
from bot.i18n import Translator
from bot.planfile import load_plan, plan_files
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "plans"
DRILLS = PLANS / "drills"
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


@dataclass(frozen=True)
class Seed:
    """What a plan's drill must show, from the plan's seed."""

    plan: str
    level: str
    due: set[tuple[timedelta, str]]  # every "due" reminder heard: (offset from report, task)
    deadlines: dict[str, timedelta]  # seed-timed tasks: due this long after the report
    verdicts: dict[str, str]  # every task's verdict in the drill report
    review_after_calm: timedelta | None = None  # the review's seed deadline after it calms down
    reports: tuple[timedelta, timedelta] | None = None  # progress prompts: (every, for)
    refusals: int = 0  # steps refused, as printed


CASES = [
    Seed(  # seed 003 (区网络舆情处置工作应急预案)
        "county",
        "major",
        due={(2 * H, "report_up")},  # 重大舆情务必2小时内上报
        deadlines={"report_up": 2 * H, "release": 24 * H},  # 黄金24小时法则
        verdicts={
            "report_up": "late",
            "plan": "on_time",
            "release": "on_time",
            "review": "on_time",
        },
    ),
    Seed(  # seeds 002 (XX镇舆情应急处置预案) and 004 (乡网络舆情应急预案范文)
        "township",
        "major",
        due={(30 * M, "facts")},  # 004 第三步: 舆情监控员要第一时间（半小时内）上报
        deadlines={
            "facts": 30 * M,
            "reply": 24 * H,  # 002: 重大网络舆情，责任部门在24小时内官方回复
            "holding_reply": 3 * D,  # 002: 应于3日内作出表态性回复
        },
        verdicts={
            "facts": "late",
            "reply": "on_time",
            "holding_reply": "on_time",
            "review": "on_time",
        },
        review_after_calm=3 * D,  # 002: 趋于平稳后…书面报告三日内报送镇党政办
    ),
    Seed(  # seed 000, 市城管局网络舆情应急预案 (Hangzhou)
        "city-bureau",
        "major",
        due={(4 * H, "respond")},  # 五、3: 重大舆情(II级)回应时间为4小时
        deadlines={"respond": 4 * H},
        verdicts={
            "report_up": "on_time",
            "investigate": "on_time",
            "respond": "late",
            "review": "on_time",
        },
        reports=(4 * H, 48 * H),  # 在舆情稳定后48小时内…以4小时为单位…汇总形成《网络舆情报告》
        refusals=1,
    ),
    Seed(  # seed 001, 公司舆情监测及应急处置预案
        "company",
        "major",
        due={(1 * H, "report_office")},  # 发现重大舆情后…办公室报告，最迟不得超过1小时
        deadlines={"report_office": 1 * H},
        verdicts={"report_office": "late", "review": "on_time"},
        review_after_calm=3 * D,  # 书面报告三日内报送集团
        refusals=1,
    ),
    Seed(  # seed 000: the school plans give no hours; the plan takes the county plan's in 000 篇4
        "school",
        "critical",
        due={(24 * H, "release")},  # 黄金24小时法则
        deadlines={
            "report_up": 1 * H,  # 特别重大舆情务必1小时内上报
            "release": 24 * H,
        },
        verdicts={"report_up": "on_time", "release": "late", "review": "on_time"},
    ),
    Seed(  # seed 004 (村镇银行) has no deadlines; the plan takes the company plan's in seed 001
        "bank",
        "urgent",
        due={(30 * M, "report_written")},  # 紧急情况下…并在30分钟内报送书面信息
        deadlines={"report_written": 30 * M},
        verdicts={"report_written": "late", "review": "on_time"},
        review_after_calm=3 * D,  # 书面报告三日内报送
        refusals=1,
    ),
]


async def _run(case: Seed) -> DrillResult:
    plan, script = PLANS / f"{case.plan}.yaml", DRILLS / f"{case.plan}.yaml"
    return await drill(Translator("zh_CN"), plan, script, None, START)


def _heard_due(result: DrillResult) -> set[tuple[timedelta, str]]:
    return {
        (h.offset, str(h.payload["obligation"]))
        for h in result.heard
        if h.kind == "reminder" and h.payload["reminder"] == "due"
    }


@pytest.mark.parametrize("case", CASES, ids=[case.plan for case in CASES])
async def test_drill_follows_the_seed_deadlines(
    case: Seed, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await _run(case)
    incident = result.incident
    assert incident is not None
    assert incident.level_id == case.level
    assert _heard_due(result) == case.due
    found = {o.obligation: o for o in outcomes(incident, result.end)}
    assert {ob: found[ob].due_after for ob in case.deadlines} == case.deadlines
    assert {ob: o.verdict for ob, o in found.items()} == case.verdicts
    if case.review_after_calm is not None:
        assert incident.stabilised_at is not None
        calm = incident.stabilised_at - incident.reported_at
        assert found["review"].due_after == calm + case.review_after_calm
    refused = Translator("zh_CN")("drill.refused", message="")
    printed = capsys.readouterr().out.splitlines()
    assert sum(f"] {refused}" in line for line in printed) == case.refusals
    assert incident.is_drill and incident.state is State.CLOSED


async def test_city_bureau_reports_every_4_hours_for_48_hours_after_it_calms_down() -> None:
    case = next(case for case in CASES if case.plan == "city-bureau")
    assert case.reports is not None
    every, span = case.reports
    result = await _run(case)
    assert result.incident is not None and result.incident.stabilised_at is not None
    calm = result.incident.stabilised_at - result.incident.reported_at
    prompts = [h for h in result.heard if h.kind == "follow_up"]
    assert prompts, "the office misses some reports, so some prompts must be heard"
    for prompt in prompts:
        number = int(str(prompt.payload["number"]))
        assert prompt.offset == calm + every * number
        assert prompt.payload["of"] == span // every
    assert prompts[-1].offset == calm + span  # the last report of the 48 hours


def test_every_plan_has_a_drill_script_and_a_row_here() -> None:
    plans = [path.stem for path in plan_files(PLANS)]
    scripts = sorted(path.stem for path in plan_files(DRILLS))
    assert scripts == plans, "each plans/X.yaml needs plans/drills/X.yaml, and no other"
    assert sorted(case.plan for case in CASES) == plans, "add the plan's seed timings to CASES"
    for name in plans:
        assert load_script(DRILLS / f"{name}.yaml", load_plan(PLANS / f"{name}.yaml"))


def test_the_command_line_drills_the_township_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "drill",
            str(PLANS / "township.yaml"),
            "--script",
            str(DRILLS / "township.yaml"),
            "--speed",
            "max",
            "--start",
            "2026-03-02T09:00",
        ],
        Settings(locale="en", _env_file=None),  # type: ignore[call-arg]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "[03-02 09:30:00 +0:30:00] ⏰ #1 “Report the facts" in out  # the due time, in +08:00
    assert "—— Drill report #1: Major, closed ——" in out
    assert "within half an hour (Monitor), due within 30 min: met 15 min late ✗" in out
    assert out.rstrip().endswith("Total: 3 on time, 1 late, 0 breached, 0 open.")
