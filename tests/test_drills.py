"""The shipped drills: every plan has a script, and each script rehearses its seed's deadlines.

The timings below are read from the seed texts in shared/seeds/, not from the plan files: a plan
that drifts from its seed fails here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dbswitch import database, open_db

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


def _reports(series: str, on_time: range, verdict: str = "on_time") -> dict[str, str]:
    return {f"{series}-{n}": verdict for n in on_time}


CASES = [
    Seed(  # seed 003 (区网络舆情处置工作应急预案)
        "county",
        "major",
        due={(2 * H, "report_up")},  # 六(二): 重大舆情务必2小时内上报
        deadlines={
            "report_up": 2 * H,
            "release": 24 * H,  # 五(一)1: 黄金24小时法则
            "progress-1": 10 * M + 4 * H,  # 重报进展: every 4 h from the confirmation (+10 min)
        },
        verdicts={
            "report_up": "late",
            "plan": "on_time",
            "release": "on_time",
            "review": "on_time",
            **_reports("progress", range(1, 3)),
            "progress-3": "dropped",  # falls due after it calmed (+12 h): no longer owed
        },
    ),
    Seed(  # seeds 002 (XX镇舆情应急处置预案) and 004 (乡网络舆情应急预案范文)
        "township",
        "major",
        due={
            (30 * M, "facts"),  # 004 第三步: 舆情监控员要第一时间（半小时内）上报
            (24 * H, "reply"),  # 002: 重大网络舆情，责任部门在24小时内官方回复 — made late
        },
        deadlines={
            "facts": 30 * M,
            "press": 12 * H,  # 004 第六步: 新闻发言人在舆情发生后十二小时内…正面回复
            "reply": 24 * H,
            "holding_reply": 3 * D,  # 002: 应于3日内作出表态性回复
        },
        verdicts={
            "facts": "late",
            "press": "on_time",
            "comment": "on_time",
            "reply": "late",
            "holding_reply": "on_time",  # owed once the reply was late, and made
            "review": "on_time",
            **_reports("progress", range(1, 3)),
            "progress-3": "dropped",
        },
        review_after_calm=3 * D,  # 002: 趋于平稳后…书面报告三日内报送镇党政办
    ),
    Seed(  # seed 000, 市城管局网络舆情应急预案 (Hangzhou)
        "city-bureau",
        "major",
        due={
            (1 * H, "report_up"),
            (4 * H, "respond"),  # 五、3: 重大舆情(II级)回应时间为4小时
            # the night reports the office misses (every 4 h after it calms at +8 h)
            *{(8 * H + 4 * H * n, f"followup-{n}") for n in (2, 3, 8, 9, 12)},
        },
        deadlines={"respond": 4 * H, "release": 3 * H, "line": 3 * H},
        verdicts={
            "report_up": "late",
            "investigate": "on_time",
            "release": "on_time",
            "line": "on_time",
            "comment": "on_time",
            "respond": "late",
            "review": "on_time",
            **_reports("followup", range(1, 13)),
            **_reports("followup", range(2, 4), "breached"),
            **_reports("followup", range(8, 10), "breached"),
            "followup-12": "breached",
        },
        reports=(4 * H, 48 * H),  # 在舆情稳定后48小时内…以4小时为单位…汇总形成《网络舆情报告》
        refusals=1,
    ),
    Seed(  # seed 001, 公司舆情监测及应急处置预案
        "company",
        "major",
        due={(1 * H, "report_office")},  # 发现重大舆情后…办公室报告，最迟不得超过1小时
        deadlines={"report_office": 1 * H, "release": 24 * H},
        verdicts={
            "report_office": "late",
            "release": "on_time",
            "review": "on_time",
            "progress-1": "on_time",
            "progress-2": "dropped",
        },
        review_after_calm=3 * D,  # 书面报告三日内报送集团
        refusals=1,
    ),
    Seed(  # seed 000: the school plans give no hours; the plan takes the county plan's in 000 篇4
        "school",
        "critical",
        due={(1 * H, "report_up")},  # 特别重大舆情务必1小时内上报
        deadlines={"report_up": 1 * H, "release": 24 * H},  # 黄金24小时法则
        verdicts={
            "report_up": "late",
            "release": "on_time",
            "review": "on_time",
            **_reports("progress", range(1, 5)),
            "progress-5": "dropped",
        },
    ),
    Seed(  # seed 004 (村镇银行) has no deadlines; the plan takes the company plan's in seed 001
        "bank",
        "urgent",
        due={(30 * M, "report_written")},  # 紧急情况下…并在30分钟内报送书面信息
        deadlines={"report_written": 30 * M, "release": 3 * H},
        verdicts={
            "report_written": "late",
            "release": "on_time",
            "review": "on_time",
            **_reports("progress", range(1, 3)),
            "progress-3": "dropped",
        },
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
    found = {o.obligation: o for o in outcomes(result.incident, result.end)}
    reports = sorted(
        (o for o in found.values() if o.obligation.startswith("followup-")),
        key=lambda o: o.due_after,
    )
    assert len(reports) == span // every  # 12 reports: every 4 h for 48 h, and no more
    for number, report in enumerate(reports, start=1):
        assert report.obligation == f"followup-{number}"
        assert report.due_after == calm + every * number
    assert reports[-1].due_after == calm + span  # the last report of the 48 hours


async def test_each_drill_climbs_the_ladder_and_meets_a_progress_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case in CASES:
        db = tmp_path / f"{case.plan}.db"
        plan, script = PLANS / f"{case.plan}.yaml", DRILLS / f"{case.plan}.yaml"
        capsys.readouterr()
        result = await drill(Translator("zh_CN"), plan, script, None, START, database(db))
        assert result.incident is not None
        report = capsys.readouterr().out.split("—— 演练报告")[1].splitlines()
        climbs = [line for line in report if line.startswith("升级：")]
        assert any("第2级" in line for line in climbs), f"{case.plan}: the report shows no climb"
        filed = [line for line in report if "（第1次）" in line]  # a 续报 with its verdict
        assert any("按时完成" in line or "迟报" in line for line in filed), case.plan
        async with await open_db(db) as store:
            events = await store.timeline(result.incident.id)
        steps = [int(e.data["step"]) for e in events if e.kind == "escalation"]
        assert steps and max(steps) >= 2, f"{case.plan}: no task climbs two steps"
        met = [str(e.data["obligation"]) for e in events if e.kind == "met"]
        assert any(task.startswith(("progress-", "followup-")) for task in met), case.plan


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
