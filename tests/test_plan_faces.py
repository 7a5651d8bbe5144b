"""#12 on every face: the ladder, standby tasks and progress reports (续报) on the card,
in the drill report, in the written report and in /plan; every verdict has its words."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from support import CHAT, T0, tg_actor

from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState, ObStatus
from bot.domain.tasks import UnknownTask, resolve_task
from bot.domain.verdicts import Verdict, standing
from bot.drill import report as drill_report
from bot.drill.interactive import _choices, _do
from bot.drill.report import report_lines
from bot.drill.runner import Drill
from bot.export import sections
from bot.export.chart import timeline_chart
from bot.export.gather import gather
from bot.export.markdown import to_markdown
from bot.export.report import build
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.render import card as card_module
from bot.render.card import card
from bot.render.overview import plan_summary
from bot.render.plain import to_plain
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.stats import compute
from bot.store import SqliteStore

PLAN = load_plan(Path(__file__).parent / "plans" / "ladder.yaml")
BOSS, CLERK, EYE = tg_actor(1, None, "组长"), tg_actor(2, "clerk"), tg_actor(3)
M, H = timedelta(minutes=1), timedelta(hours=1)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[IncidentService]:
    store = await SqliteStore.open(tmp_path / "y.db")
    yield IncidentService(store, PlanBook([PLAN]), ManualClock(T0))
    await store.close()


async def at(service: IncidentService, offset: timedelta) -> Incident:
    """Move the clock to ``offset`` after T0 and tick; the incident as it then stands."""
    clock = service.clock
    assert isinstance(clock, ManualClock)
    clock.advance(T0 + offset - clock.now())
    await service.tick()
    [incident] = await service.store.list_incidents()
    return incident


def drawn(incident: Incident, service: IncidentService, lang: str = "zh_CN") -> str:
    """The card as the group reads it, in plain text."""
    doc = card(incident, PLAN, Translator(lang), service.clock.now(), [])
    return to_plain(doc, PLAN.people)


async def confirmed(service: IncidentService) -> int:
    incident = await service.open_report(CHAT, EYE, "网帖称……")
    await service.answer(incident.id, EYE, 0, "high")
    await service.confirm(incident.id, BOSS)
    return incident.id


async def test_a_late_task_shows_each_ladder_step_on_the_card(service: IncidentService) -> None:
    await confirmed(service)
    incident = await at(service, 1 * H)  # the reminder at the deadline: no step yet
    assert "已升级" not in drawn(incident, service)
    incident = await at(service, 90 * M)  # the second reminder: one went unanswered
    assert (
        "1. 正式回复（办公室） 已逾期（截止 03-01 17:00，超时 30分钟） · 已升级至第1级（副组长）"
        in (drawn(incident, service))
    )
    incident = await at(service, 3 * H)  # two hours overdue: the leader too
    card_zh = drawn(incident, service)
    assert "超时 2小时） · 已升级至第2级（副组长、组长）" in card_zh
    assert "escalated to step 2 (Deputy, Leader)" in drawn(incident, service, "en")
    await service.done(incident.id, CLERK, "reply")
    incident = await at(service, 3 * H + M)
    assert "已升级" not in drawn(incident, service).split("\n2.")[0]  # met: the ladder is over


async def test_a_standby_task_waits_becomes_owed_and_is_spared(service: IncidentService) -> None:
    incident_id = await confirmed(service)
    incident = await at(service, 10 * M)
    assert "2. 表态性回复（办公室） 仅在“正式回复”逾期时需要（期限 03-01 19:00）" in drawn(
        incident, service
    )
    assert "needed only if “Formal reply” is overdue" in drawn(incident, service, "en")
    incident = await at(service, 1 * H)  # the reply's deadline passed unmet: the holding reply
    assert incident.obligation("holding").status is ObStatus.OPEN
    assert "2. 表态性回复（办公室） 截止 03-01 19:00" in drawn(incident, service)
    await service.done(incident_id, CLERK, "1")  # the reply, late, by its card number
    incident = await at(service, 70 * M)
    assert incident.obligation("holding").status is ObStatus.SPARED
    assert "2. 表态性回复（办公室） 无需办理（“正式回复”已完成）" in drawn(incident, service)
    assert "not needed (“Formal reply” is done)" in drawn(incident, service, "en")


async def test_progress_reports_fold_into_one_line_and_are_unnumbered(
    service: IncidentService,
) -> None:
    incident_id = await confirmed(service)
    incident = await at(service, 30 * M)
    assert "\n· 报送处置进展（续报）（第1次）（办公室） 截止 03-01 18:00" in drawn(
        incident, service
    )
    await service.update(incident_id, CLERK, "已核实情况")  # meets report 1, on time
    await at(service, 6 * H + 15 * M)  # report 2 missed (report 3 fell due), 3 overdue
    await service.done(incident_id, CLERK, "progress-3")  # late, named by its id
    incident = await at(service, 6 * H + 30 * M)
    text = drawn(incident, service)
    assert "报送处置进展（续报）：已报 2 次（按时 1，迟报 1），漏报 1 次" in text
    assert "（第1次）" not in text and "（第2次）" not in text and "（第3次）" not in text
    assert "\n· 报送处置进展（续报）（第4次）（办公室） 截止 03-02 00:00" in text
    assert "Progress report: 2 filed (1 on time, 1 late), 1 missed" in drawn(
        incident, service, "en"
    )
    # the card numbers only the plan's tasks; a report is named by id or name, not a number
    assert resolve_task(PLAN, incident, "3") == "review"
    with pytest.raises(UnknownTask) as refused:
        resolve_task(PLAN, incident, "4")
    assert (0, "progress-4", "major") in refused.value.params["tasks"]  # listed unnumbered
    assert resolve_task(PLAN, incident, "报送处置进展（续报）（第4次）") == "progress-4"


async def test_the_export_and_drill_report_show_escalations_reports_and_standby(
    service: IncidentService,
) -> None:
    incident_id = await confirmed(service)
    for minutes in (30, 60, 90, 120, 150, 180):
        incident = await at(service, minutes * M)
    await service.update(incident_id, CLERK, "处置中")  # report 2 (due at +4h), on time
    await service.done(incident_id, CLERK, "reply")
    incident = await at(service, 3 * H + M)
    events = await service.store.timeline(incident_id)
    facts = await gather(service.store, incident, PLAN, service.clock.now())
    markdown = to_markdown(build(facts, Translator("zh_CN")))
    assert "| **升级 正式回复：升至第1级，加通知副组长** |" in markdown
    assert "| **升级 正式回复：升至第2级，加通知组长** |" in markdown
    assert "| 提醒 正式回复 |" in markdown  # the reminders that climbed no rung stay reminders
    assert "| 续报开始计时 报送处置进展（续报）（第2次） |" in markdown
    assert "| 条件任务启动 表态性回复（“正式回复”逾期） |" in markdown
    assert "| 条件任务免办 表态性回复（“正式回复”已完成） |" in markdown
    assert "| 续报 （报送处置进展（续报）（第2次）） |" in markdown
    assert "（报送处置进展（续报）（第2次））：处置中" in markdown  # the updates section says which
    assert "| 表态性回复 | 办公室 |" in markdown and "无需办理（所等待的事项已完成）" in markdown
    # report 1 is overdue, yet may be filed late until report 2 falls due: not yet 漏报
    assert (
        "| 2026-03-01 18:00 | — | 报送续报 | 未完成（已超时 1小时1分钟）；曾升级至第1级 |"
        in markdown
    )
    english = to_markdown(build(facts, Translator("en")))
    assert "Escalation Formal reply: step 2, now also Leader" in english
    lines = report_lines(incident, PLAN, Translator("zh_CN"), service.clock.now(), events)
    assert "升级：正式回复 第1级 → 副组长（+1h30m）" in lines
    assert "升级：正式回复 第2级 → 组长（+3h）" in lines
    assert "条件任务：“正式回复”逾期，“表态性回复”须办理（+1h）" in lines
    assert "条件任务：“正式回复”已完成，“表态性回复”无需办理（+3h1m）" in lines
    assert "· 报送处置进展（续报）（第2次）（办公室）时限 2小时：按时完成（提前 1小时）✓" in lines
    assert (
        "· 报送处置进展（续报）（第1次）（办公室）时限 2小时：未完成，已超时 1小时1分钟 ✗" in lines
    )
    assert timeline_chart(incident, PLAN, Translator("zh_CN"), service.clock.now())
    incident = await at(service, 4 * H)  # report 2's deadline: report 1 is now missed
    facts = await gather(service.store, incident, PLAN, service.clock.now())
    markdown = to_markdown(build(facts, Translator("zh_CN")))
    assert "| 2026-03-01 18:00 | — | 报送续报 | 漏报（已超时 2小时）；曾升级至第1级 |" in markdown
    lines = report_lines(incident, PLAN, Translator("zh_CN"), service.clock.now(), events)
    assert "· 报送处置进展（续报）（第1次）（办公室）时限 2小时：漏报 ✗" in lines


def test_the_plan_overview_shows_ladders_cadences_and_conditions() -> None:
    zh = to_plain(plan_summary(PLAN, Translator("zh_CN")), PLAN.people)
    assert "逾期后：第1次提醒未回应→副组长；逾期2小时→组长" in zh
    assert "· 如“正式回复”逾期，则3小时内：表态性回复（办公室）" in zh
    assert "· 处置期间每2小时续报（办公室）" in zh
    assert "· 平稳后每4小时续报，持续12小时（办公室）" in zh
    en = to_plain(plan_summary(PLAN, Translator("en")), PLAN.people)
    assert "When overdue: 1 reminders unanswered → Deputy; 2 h overdue → Leader" in en
    assert "If “Formal reply” is overdue: Holding reply (Office) within 3 h" in en


def _state(verdict: Verdict) -> tuple[Incident, ObligationState]:
    """An incident with one task standing as ``verdict`` at T0 + 2h."""
    due, met = T0 + H, None
    status = {
        Verdict.ON_TIME: ObStatus.MET,
        Verdict.LATE: ObStatus.MET,
        Verdict.DROPPED: ObStatus.DROPPED,
        Verdict.STANDBY: ObStatus.STANDBY,
        Verdict.SPARED: ObStatus.SPARED,
    }.get(verdict, ObStatus.OPEN)
    if verdict is Verdict.ON_TIME:
        met = T0 + 30 * M
    if verdict is Verdict.LATE:
        met = T0 + 90 * M
    if verdict in (Verdict.OPEN, Verdict.UNMET):
        due = T0 + 3 * H
    if verdict is Verdict.NOT_STARTED:
        due = None
    state = {
        Verdict.UNMET: State.CLOSED,
        Verdict.CANCELLED: State.CANCELLED,
    }.get(verdict, State.ACTIVE)
    ob = ObligationState("holding", "office", due, status, met_at=met, level="major")
    incident = Incident(
        1, 1, PLAN.id, CHAT, state, "telegram:3", "网帖", T0, level_id="major",
        closed_at=T0 + 2 * H if state is not State.ACTIVE else None, obligations=(ob,),
    )  # fmt: skip
    return incident, ob


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_words_on_every_face(verdict: Verdict) -> None:
    for mapping in (
        card_module.VERDICT_KEYS,
        drill_report.VERDICT_KEYS,
        drill_report.REPORT_KEYS,
        sections.RESULT_KEYS,
    ):
        assert verdict in mapping
    incident, ob = _state(verdict)
    now = T0 + 2 * H
    assert standing(incident, ob, now).verdict is verdict
    for lang, name in (("zh_CN", "表态性回复"), ("en", "Holding reply")):
        t = Translator(lang)
        assert f"\n1. {name}" in to_plain(card(incident, PLAN, t, now, []), PLAN.people)
        assert report_lines(incident, PLAN, t, now)[1].startswith(f"· {name}")
        assert sections._result(standing(incident, ob, now), t)


def test_standby_and_spared_tasks_are_not_counted_in_stats() -> None:
    counted = {}
    for verdict in (Verdict.STANDBY, Verdict.SPARED, Verdict.ON_TIME):
        incident, _ = _state(verdict)
        stats = compute([incident], T0 + 2 * H)
        counted[verdict] = (stats.on_time, {k: v.due for k, v in stats.by_role.items()})
    assert counted[Verdict.STANDBY] == ({}, {})
    assert counted[Verdict.SPARED] == ({}, {})
    assert counted[Verdict.ON_TIME] == ({"holding": [1, 1]}, {"office": 1})


async def test_the_interactive_drill_offers_owed_tasks_and_names_the_report(
    tmp_path: Path,
) -> None:
    async with await SqliteStore.open(tmp_path / "d.db") as store:
        session = Drill(PLAN, store, ManualClock(T0), Translator("zh_CN"), None, out=lambda _: None)
        await _do(session, "report", "网帖称……")
        await _do(session, "answer", {"reach": "high"})
        await _do(session, "confirm", True)
        await session.run_until(T0 + 30 * M)
        labels = [choice.label for choice in await _choices(session)]
        assert "完成：正式回复" in labels
        assert not any("表态性回复" in label for label in labels)  # on standby: nothing to do
        assert "续报进展：报送处置进展（续报）（第1次）" in labels  # what an update files
        assert not any(label.startswith("完成：报送") for label in labels)
        await session.run_until(T0 + 1 * H)  # the reply is overdue: the holding reply is owed
        labels = [choice.label for choice in await _choices(session)]
        assert "完成：表态性回复" in labels
