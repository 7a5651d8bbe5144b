"""Each shipped plan states its seed's deadlines: tasks, ladders, 续报 and the holding reply.

One table per plan; each row quotes (in 「」) the sentence of shared/seeds/ it encodes, and is
checked through the domain (specs, due times, the ladder, series, report openings, standby moves).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest
from support import T0
from walk_support import shipped

from bot.domain.durations import parse_duration
from bot.domain.ladder import climbed_roles, step_of
from bot.domain.obligations import (
    Anchors,
    ObStatus,
    due_time,
    obligation_specs,
    reminder_at,
    schedule,
    spec_for,
)
from bot.domain.plan import EscalationStep, Obligation, Plan, ReminderRules
from bot.domain.progress import open_reports
from bot.domain.series import series_of
from bot.domain.standby import standby_moves

PLANS = Path(__file__).resolve().parent.parent / "plans"
CHAT = -100812
CONFIRMED = T0 + timedelta(minutes=20)  # the level confirmed 20 min after the report
CALMED = T0 + timedelta(hours=30)

Step = tuple[str, tuple[str, ...]]  # ("overdue 30m" or "reminders 2", the roles the step adds)


class Task(NamedTuple):
    """What the seed asks of one task at one level."""

    level: str
    task: str
    due: str  # after the anchor
    anchor: str  # "reported" or "stabilised"
    owner: str
    approval: tuple[str, ...]
    ladder: tuple[Step, ...]
    if_overdue: str | None = None


class Reports(NamedTuple):
    """A series of 续报 one level owes."""

    level: str
    series: str  # "progress" during handling, "followup" after calming
    every: str
    owner: str
    anchor: str  # "confirmed" or "stabilised"
    for_: str | None  # None: until the incident calms


LEADERS = ("leader", "deputy")
# Every plan's own ladder: 「迟报、漏报」 are held to account (002 五, 001), so a late task tags the
# 副组长 30 min after its deadline and the 组长 after 1 h.
LATE: tuple[Step, ...] = (("overdue 30m", ("deputy",)), ("overdue 1h", ("leader",)))


def review(levels: tuple[str, ...]) -> list[Task]:
    """The written review every level owes: 「书面报告三日内报送」 (001 三(五), 002 三(五))."""
    return [Task(lv, "review", "3d", "stabilised", "office", LEADERS, LATE) for lv in levels]


COUNTY = [
    # 003 六(二): 「较大和一般舆情酌情适时上报」 — no report task; 五(一)1: 「黄金24小时法则」.
    Task("general", "respond", "24h", "reported", "involved", (), LATE),
    # 003 六(三)2: 「由涉事主体密切关注，及时调查核实，及时跟帖回应」 — 及时: 4 h chosen.
    Task("larger", "verify", "4h", "reported", "involved", (), LATE),
    Task("larger", "respond", "24h", "reported", "involved", LEADERS, LATE),
    # 003 六(二): 「及时报告党工委、上级业务部门和同级网信部门。特别重大舆情务必1小时内上报，
    # 重大舆情务必2小时内上报」.
    Task("major", "report_up", "2h", "reported", "involved", (),
         (("overdue 30m", ("deputy",)), ("overdue 1h", ("leader",)), ("overdue 2h", ("upper",)))),
    # 003 六(三)3: 「由区网信办及时提请领导小组研究制定舆情处置方案」 — 及时: after the report.
    Task("major", "plan", "4h", "reported", "office", LEADERS, LATE),
    # 003 五(一)1: 「黄金24小时法则。力争第一时间发布新闻」.
    Task("major", "release", "24h", "reported", "spokesperson", LEADERS, LATE),
    # 003 六(二): 「特别重大舆情务必1小时内上报」.
    Task("critical", "report_up", "1h", "reported", "involved", (),
         (("overdue 15m", ("deputy",)), ("overdue 30m", ("leader",)), ("overdue 1h", ("upper",)))),
    Task("critical", "plan", "2h", "reported", "office", LEADERS, LATE),
    Task("critical", "release", "24h", "reported", "spokesperson", LEADERS, LATE),
    *review(("general", "larger", "major", "critical")),
]  # fmt: skip
COUNTY_REPORTS = [
    # 003 五(三)3: 「重报进展，即…阶段性公布调查和解决实况」 — no cadence: 004's 黄金四小时, halved.
    Reports("major", "progress", "4h", "office", "confirmed", None),
    Reports("critical", "progress", "2h", "office", "confirmed", None),
]

TOWNSHIP_FACTS: tuple[Step, ...] = (("overdue 10m", ("deputy",)), ("overdue 20m", ("leader",)))
# 004 第三步: 「上报乡网络舆情应急领导小组和县委宣传部网管科。特别重大网络舆情要上报县委、县政府」.
TOWNSHIP_FACTS_UP = (*TOWNSHIP_FACTS, ("overdue 30m", ("upper",)))
TOWNSHIP = [
    # 004 第三步: 「舆情监控员要第一时间(半小时内)上报乡网络舆情应急领导小组」.
    Task("general", "facts", "30m", "reported", "monitor", (), TOWNSHIP_FACTS),
    # 002 三(四)3: 「一般性网络舆情，责任部门12小时内官方回复」.
    Task("general", "reply", "12h", "reported", "responsible", (*LEADERS, "office"), LATE),
    # 002 三(四)3: 「如情况特殊，无法在规定回复期内处理完毕的，应于3日内作出表态性回复」.
    Task("general", "holding_reply", "3d", "reported", "responsible", (*LEADERS, "office"), LATE,
         if_overdue="reply"),
    Task("major", "facts", "30m", "reported", "monitor", (), TOWNSHIP_FACTS_UP),
    # 004 第六步: 「新闻发言人在舆情发生后十二小时内根据通稿，通过媒体渠道进行正面回复」.
    Task("major", "press", "12h", "reported", "spokesperson", LEADERS, LATE),
    # 004 第六步: 「同时网络评论员根据通稿撰写网络评论文章对舆情正面回复」.
    Task("major", "comment", "12h", "reported", "commentator", (), LATE),
    # 002 三(四)3: 「重大网络舆情，责任部门在24小时内官方回复」.
    Task("major", "reply", "24h", "reported", "responsible", LEADERS, LATE),
    Task("major", "holding_reply", "3d", "reported", "responsible", LEADERS, LATE,
         if_overdue="reply"),
    Task("urgent", "facts", "30m", "reported", "monitor", (), TOWNSHIP_FACTS_UP),
    # 002 三(四)3: 「紧急舆情于3小时内回应社会关切」 — no holding reply for it.
    Task("urgent", "respond", "3h", "reported", "spokesperson", LEADERS, LATE),
    Task("urgent", "comment", "3h", "reported", "commentator", (), LATE),
    *review(("general", "major", "urgent")),
]  # fmt: skip
TOWNSHIP_REPORTS = [
    # 002 三(二): 「在重大舆情应急处置过程中，要及时续报有关情况」 — no cadence: 4 h, 2 h urgent.
    Reports("major", "progress", "4h", "responsible", "confirmed", None),
    Reports("urgent", "progress", "2h", "responsible", "confirmed", None),
]

CITY = [
    # 000 四(一)1: 「立即就舆情开展调查，做好相应准备工作」 — bounded by the 4-hour maximum.
    Task("general", "investigate", "4h", "reported", "involved", (), LATE),
    # 000 四(二)1: 「领导小组办公室应迅速向本级领导报告舆情情况」,
    # 「根据指示迅速将舆情信息报送至市网信办」.
    Task("major", "report_up", "1h", "reported", "office", (),
         (("overdue 30m", ("deputy",)), ("overdue 1h", ("leader",)), ("overdue 90m", ("upper",)))),
    # 000 四(二)2: 「应迅速组织人员赴现场了解舆情事实」.
    Task("major", "investigate", "2h", "reported", "involved", (), LATE),
    # 000 四(二)3: 「新闻通稿(由业务处室、单位负责)」.
    Task("major", "release", "3h", "reported", "involved", LEADERS, LATE),
    # 000 四(二)3: 「拟定口径(由领导小组办公室负责)」.
    Task("major", "line", "3h", "reported", "office", LEADERS, LATE),
    # 000 四(二)3: 「组织网评员待命，向网评员通报对外统一口径」.
    Task("major", "comment", "4h", "reported", "commentators", (), LATE),
    # 000 五、3: 「重大舆情(ii级)回应时间为4小时，特大舆情(iii级)回应时间为2小时」.
    Task("major", "respond", "4h", "reported", "office", LEADERS, LATE),
    # 000 四(三): 「相关人员立即集中办公，成立网络舆情处置指挥部」.
    Task("critical", "command_post", "1h", "reported", "leader", (),
         (("overdue 15m", ("deputy",)), ("overdue 30m", ("upper",)))),
    Task("critical", "report_up", "30m", "reported", "office", (),
         (("overdue 10m", ("deputy",)), ("overdue 20m", ("leader",)), ("overdue 30m", ("upper",)))),
    Task("critical", "investigate", "1h", "reported", "involved", (), LATE),
    Task("critical", "release", "1h30m", "reported", "involved", LEADERS, LATE),
    Task("critical", "line", "1h30m", "reported", "office", LEADERS, LATE),
    Task("critical", "comment", "2h", "reported", "commentators", (), LATE),
    Task("critical", "respond", "2h", "reported", "office", LEADERS, LATE),
    *review(("general", "major", "critical")),
]  # fmt: skip
CITY_REPORTS = [
    # 000 四(二)4(5): 「在舆情稳定后48小时内，领导小组办公室…以4小时为单位…汇总形成
    # 《网络舆情报告》」;
    # III: 「其他流程同重大舆情事件(ii级)处置流程」.
    Reports("major", "followup", "4h", "office", "stabilised", "48h"),
    Reports("critical", "followup", "4h", "office", "stabilised", "48h"),
]

COMPANY = [
    # 001 三(三)1: 「要在发现当日内回复处理意见」.
    Task("general", "reply", "24h", "reported", "involved", (*LEADERS, "office"), LATE),
    # 001 三(二): 「发现重大舆情后，应立即向…领导小组办公室报告，最迟不得超过1小时」.
    Task("major", "report_office", "1h", "reported", "monitor", (),
         (("overdue 15m", ("deputy",)), ("overdue 30m", ("leader",)))),
    # 002 三(四)3 (the same template): 「重大网络舆情，责任部门在24小时内官方回复」.
    Task("major", "release", "24h", "reported", "spokesperson", LEADERS, LATE),
    # 001 三(二): 「紧急情况下，可电话口头报告突发事件信息，并在30分钟内报送书面信息」.
    Task("urgent", "report_written", "30m", "reported", "monitor", (),
         (("overdue 10m", ("deputy",)), ("overdue 20m", ("leader",)))),
    # 002 三(四)3: 「紧急舆情于3小时内回应社会关切」.
    Task("urgent", "release", "3h", "reported", "spokesperson", LEADERS, LATE),
    *review(("general", "major", "urgent")),
]  # fmt: skip
COMPANY_REPORTS = [
    # 001 三(二): 「应急处置过程中，要及时续报事件处置进展和可能衍生的新情况」 — no cadence:
    # 4 h, halved when urgent.
    Reports("major", "progress", "4h", "involved", "confirmed", None),
    Reports("urgent", "progress", "2h", "involved", "confirmed", None),
]

SCHOOL = [
    # 001 长安学校 四(三)1: 「要在当日回复处理意见」.
    Task("minor", "reply", "24h", "reported", "involved", ("office", *LEADERS), LATE),
    Task("general", "reply", "24h", "reported", "involved", ("office", *LEADERS), LATE),
    # 001 我园: 「经领导小组审定后，按照统一的口径…发布」 with the county plans' 「黄金24小时法则」.
    Task("major", "release", "24h", "reported", "spokesperson", LEADERS, LATE),
    # 001 达州: 「经应急领导小组组长向上级部门主要领导请示」 with the county plans'
    # 「特别重大舆情务必1小时内上报」 (003).
    Task("critical", "report_up", "1h", "reported", "leader", (),
         (("overdue 15m", ("deputy",)), ("overdue 45m", ("upper",)))),
    Task("critical", "release", "24h", "reported", "spokesperson", LEADERS, LATE),
    *review(("minor", "general", "major", "critical")),
]  # fmt: skip
SCHOOL_REPORTS = [
    # 001 我园: 「加大在学校网站有关热点事件的进展情况」 with 「阶段性公布调查和解决实况」 (003).
    Reports("major", "progress", "4h", "office", "confirmed", None),
    Reports("critical", "progress", "2h", "office", "confirmed", None),
]

BANK = [
    # 001 三(三)1: 「要在发现当日内回复处理意见」; the office answers, as 004 二 reserves
    # public answers: 「舆情应急领导小组及其办公室负责对我行各类舆情统一对外宣传」.
    Task("general", "reply", "24h", "reported", "office", LEADERS, LATE),
    # 001 三(二): 「最迟不得超过1小时」.
    Task("major", "report_office", "1h", "reported", "monitor", (),
         (("overdue 15m", ("deputy",)), ("overdue 30m", ("leader",)))),
    # 004 三: 「审定统一的新闻发布稿」, hours from 002 三(四)3: 「在24小时内官方回复」.
    Task("major", "release", "24h", "reported", "office", LEADERS, LATE),
    # 001 三(二): 「并在30分钟内报送书面信息」.
    Task("urgent", "report_written", "30m", "reported", "monitor", (),
         (("overdue 10m", ("deputy",)), ("overdue 20m", ("leader",)))),
    # 002 三(四)3: 「紧急舆情于3小时内回应社会关切」.
    Task("urgent", "release", "3h", "reported", "office", LEADERS, LATE),
    *review(("general", "major", "urgent")),
]  # fmt: skip
BANK_REPORTS = [
    # 001 三(二): 「要及时续报事件处置进展」 — by the branch concerned; 4 h, halved when urgent.
    Reports("major", "progress", "4h", "involved", "confirmed", None),
    Reports("urgent", "progress", "2h", "involved", "confirmed", None),
]

TASKS = {
    "county": COUNTY,
    "township": TOWNSHIP,
    "city-bureau": CITY,
    "company": COMPANY,
    "school": SCHOOL,
    "bank": BANK,
}
REPORTS = {
    "county": COUNTY_REPORTS,
    "township": TOWNSHIP_REPORTS,
    "city-bureau": CITY_REPORTS,
    "company": COMPANY_REPORTS,
    "school": SCHOOL_REPORTS,
    "bank": BANK_REPORTS,
}
# Tasks whose ladder ends at the authority the seed reports to (the plan's `upper` role).
UPWARD = {
    "county": {("major", "report_up"), ("critical", "report_up")},
    "township": {("major", "facts"), ("urgent", "facts")},
    "city-bureau": {
        ("major", "report_up"),
        ("critical", "report_up"),
        ("critical", "command_post"),
    },
    "company": set(),
    "school": {("critical", "report_up")},
    "bank": set(),
}

TASK_ROWS = [(name, row) for name, rows in TASKS.items() for row in rows]
REPORT_ROWS = [(name, row) for name, rows in REPORTS.items() for row in rows]
STANDBY_ROWS = [(name, row) for name, row in TASK_ROWS if row.if_overdue]


def ids(rows: list[tuple[str, Task]] | list[tuple[str, Reports]]) -> list[str]:
    """Readable test ids: plan-level-task (or series)."""
    return [f"{name}-{row.level}-{row[1]}" for name, row in rows]


@cache
def plan_named(name: str) -> Plan:
    """A shipped plan, bound to a test chat."""
    return shipped(PLANS / f"{name}.yaml", CHAT)


def spec(name: str, level: str, task: str) -> Obligation:
    """The task's spec as the level owes it."""
    return {s.id: s for s in obligation_specs(plan_named(name), level)}[task]


def rules(name: str, level: str, task: str) -> ReminderRules:
    """The reminder rules in force for a task."""
    plan = plan_named(name)
    return plan.reminder_rules(spec_for(plan, level, task))


def trigger(step: EscalationStep) -> tuple[str, int | timedelta | None]:
    """A domain step's trigger, comparable with a table's."""
    if step.reminders is not None:
        return ("reminders", step.reminders)
    return ("overdue", step.overdue)


def parsed(text: str) -> tuple[str, int | timedelta]:
    """A table's trigger: "overdue 30m" or "reminders 2"."""
    kind, value = text.split()
    return (kind, int(value) if kind == "reminders" else parse_duration(value))


def reached(text: str, number: int, late: timedelta) -> bool:
    """Whether the ``number``-th reminder from the deadline, ``late`` past it, meets a trigger."""
    kind, value = text.split()
    return number > int(value) if kind == "reminders" else late >= parse_duration(value)


def tagged(ladder: tuple[Step, ...], number: int, late: timedelta) -> list[str]:
    """Roles the table says that reminder tags: every step reached adds its roles."""
    roles: dict[str, None] = {}
    for text, added in ladder:
        if reached(text, number, late):
            roles.update(dict.fromkeys(added))
    return list(roles)


@pytest.mark.parametrize(("name", "row"), TASK_ROWS, ids=ids(TASK_ROWS))
def test_each_task_has_its_seed_deadline_owner_and_approvers(name: str, row: Task) -> None:
    task = spec(name, row.level, row.task)
    anchors = Anchors(T0, stabilised_at=CALMED, confirmed_at=CONFIRMED)
    start = T0 if row.anchor == "reported" else CALMED
    assert due_time(task, anchors) == start + parse_duration(row.due)
    before_calm = due_time(task, Anchors(T0))
    assert (before_calm is None) == (row.anchor == "stabilised")
    assert (task.owner, tuple(task.approval), task.if_overdue) == (
        row.owner,
        row.approval,
        row.if_overdue,
    )
    states = {s.id: s for s in schedule(plan_named(name), row.level, Anchors(T0)).states}
    expected = ObStatus.STANDBY if row.if_overdue else ObStatus.OPEN
    assert states[row.task].status is (ObStatus.WAITING if before_calm is None else expected)


@pytest.mark.parametrize(("name", "row"), TASK_ROWS, ids=ids(TASK_ROWS))
def test_each_late_task_climbs_its_ladder(name: str, row: Task) -> None:
    """Every reminder from the deadline to the top tags the roles the table has climbed to."""
    found = rules(name, row.level, row.task)
    ladder = [(trigger(step), tuple(step.to)) for step in found.ladder()]
    assert ladder == [(parsed(text), roles) for text, roles in row.ladder]
    due = T0 + parse_duration(row.due)
    first = len(found.before)  # the reminder at the deadline
    top = 0
    for index in range(first, first + 40):
        reminder = reminder_at(found, due, index)
        step = step_of(found, reminder.number)
        roles = climbed_roles(found, step)
        assert roles == tagged(row.ladder, reminder.number, reminder.at - due), reminder
        top = max(top, step)
    assert top == len(row.ladder)


def test_the_county_report_climbs_to_the_upper_rung_step_by_step() -> None:
    """003 六(二) 重大: late by 30 min the 副组长, by 1 h also the 组长, by 2 h also the 上级."""
    found = rules("county", "major", "report_up")
    climbed = [climbed_roles(found, step_of(found, number)) for number in range(1, 6)]
    assert climbed == [
        [],  # the reminder at the deadline: the owner only
        ["deputy"],  # 30 min late
        ["deputy", "leader"],  # 1 h late
        ["deputy", "leader"],  # 1 h 30 min late
        ["deputy", "leader", "upper"],  # 2 h late
    ]


@pytest.mark.parametrize("name", TASKS)
def test_each_level_owes_exactly_the_tables_tasks(name: str) -> None:
    plan = plan_named(name)
    table_levels = list(dict.fromkeys(row.level for row in TASKS[name]))
    assert plan.level_ids == table_levels
    for level in plan.level_ids:
        owed = {s.id for s in obligation_specs(plan, level)}
        assert owed == {row.task for row in TASKS[name] if row.level == level}, level


@pytest.mark.parametrize("name", TASKS)
def test_escalated_tasks_climb_two_steps_and_reports_upward_reach_the_upper_rung(
    name: str,
) -> None:
    plan = plan_named(name)
    assert ("upper" in plan.roles) == bool(UPWARD[name])
    for row in TASKS[name]:
        found = rules(name, row.level, row.task)
        assert len(found.ladder()) >= 2, row
        last = found.ladder()[-1].to
        assert ("upper" in last) == ((row.level, row.task) in UPWARD[name]), row
    for series in REPORTS[name]:
        assert len(rules(name, series.level, f"{series.series}-1").ladder()) >= 2, series


@pytest.mark.parametrize("name", REPORTS)
def test_each_level_owes_exactly_the_tables_reports(name: str) -> None:
    plan = plan_named(name)
    for level in plan.level_ids:
        owed = [(s.id, s.every, s.owner, s.after, s.for_) for s in series_of(plan, level)]
        table = [
            (
                r.series,
                parse_duration(r.every),
                r.owner,
                r.anchor,
                r.for_ and parse_duration(r.for_),
            )
            for r in REPORTS[name]
            if r.level == level
        ]
        assert owed == table, level


PROGRESS_ROWS = [(n, r) for n, r in REPORT_ROWS if r.anchor == "confirmed"]
FOLLOWUP_ROWS = [(n, r) for n, r in REPORT_ROWS if r.anchor == "stabilised"]


@pytest.mark.parametrize(("name", "row"), PROGRESS_ROWS, ids=ids(PROGRESS_ROWS))
def test_progress_reports_fall_due_each_period_from_confirmation_until_calm(
    name: str, row: Reports
) -> None:
    plan, every = plan_named(name), parse_duration(row.every)
    handling = Anchors(T0, confirmed_at=CONFIRMED)
    first = open_reports(plan, row.level, handling, [], CONFIRMED)
    assert [(s.id, s.owner, s.due_at) for s in first.opened] == [
        ("progress-1", row.owner, CONFIRMED + every)
    ]
    second = open_reports(plan, row.level, handling, first.opened, CONFIRMED + every)
    assert [(s.id, s.due_at) for s in second.opened] == [("progress-2", CONFIRMED + 2 * every)]
    # calm as report 3's period begins: no report 3, nor any after
    calm = Anchors(T0, CONFIRMED + 2 * every, CONFIRMED)
    owed = (*first.opened, *second.opened)
    later = open_reports(plan, row.level, calm, owed, CONFIRMED + 10 * every)
    assert [s.id for s in later.opened if s.id.startswith("progress")] == []


@pytest.mark.parametrize(("name", "row"), FOLLOWUP_ROWS, ids=ids(FOLLOWUP_ROWS))
def test_follow_up_reports_fall_due_each_period_after_calm_for_their_span(
    name: str, row: Reports
) -> None:
    plan, every = plan_named(name), parse_duration(row.every)
    assert row.for_ is not None
    span = parse_duration(row.for_)
    calm = Anchors(T0, CALMED, CONFIRMED)
    handling = open_reports(plan, row.level, Anchors(T0, None, CONFIRMED), [], CALMED)
    assert [s.id for s in handling.opened if s.id.startswith("followup")] == []
    first = open_reports(plan, row.level, calm, [], CALMED)
    assert [(s.id, s.owner, s.due_at) for s in first.opened] == [
        ("followup-1", row.owner, CALMED + every)
    ]
    every_one = open_reports(plan, row.level, calm, [], CALMED + 2 * span)
    dues = [s.due_at for s in every_one.opened if s.id.startswith("followup")]
    assert dues == [CALMED + every * k for k in range(1, span // every + 1)]
    assert dues[-1] == CALMED + span


@pytest.mark.parametrize(("name", "row"), STANDBY_ROWS, ids=ids(STANDBY_ROWS))
def test_a_holding_reply_is_owed_only_when_the_reply_misses_its_deadline(
    name: str, row: Task
) -> None:
    plan = plan_named(name)
    reply = next(r for r in TASKS[name] if (r.level, r.task) == (row.level, row.if_overdue))
    reply_due = T0 + parse_duration(reply.due)
    states = schedule(plan, row.level, Anchors(T0)).states
    assert {s.id: s.status for s in states}[row.task] is ObStatus.STANDBY
    waiting = standby_moves(plan, row.level, states, T0)
    assert (waiting.owed, waiting.spared, waiting.next_at) == ((), (), reply_due)
    late = standby_moves(plan, row.level, states, reply_due)
    assert (late.owed, late.spared) == ((row.task,), ())
    met = tuple(
        replace(s, status=ObStatus.MET, met_at=reply_due) if s.id == reply.task else s
        for s in states
    )
    in_time = standby_moves(plan, row.level, met, reply_due)
    assert (in_time.owed, in_time.spared) == ((), (row.task,))
