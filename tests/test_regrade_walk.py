"""Regrading through every level of every shipped plan, up and down, with the clock running."""

from datetime import timedelta
from pathlib import Path

import pytest
from support import T0
from walk_support import SHIPPED, actor, drawn, shipped, walk

from bot.domain.incident import Incident
from bot.domain.obligations import REVIEW_ID, ObStatus, obligation_specs
from bot.domain.plan import Plan
from bot.domain.series import parse_instance, series_of
from bot.domain.verdicts import COUNTED, Verdict, standing
from bot.export.gather import gather
from bot.export.report import build
from bot.i18n import Translator
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.stats import compute
from bot.store import SqliteStore

CHAT_ID = -100600
CHAT = f"telegram:{CHAT_ID}"
STEP = timedelta(minutes=47)  # between regrades: reminders fall due on the way


async def shown(service: IncidentService) -> list[str]:
    """Every owed message drawn in both languages, then marked sent (as a transport would)."""
    return await drawn(service, ("zh_CN", "en"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
async def test_every_level_up_and_down_with_the_clock_running(path: Path, tmp_path: Path) -> None:
    plan = shipped(path, CHAT_ID)
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        clock = ManualClock(T0)
        service = IncidentService(store, PlanBook([plan]), clock)
        reporter = actor(plan, ["monitor"] if "monitor" in plan.roles else list(plan.roles))
        incident = await service.open_report(CHAT, reporter, "网帖称某单位违规")
        answers = {q.id: q.options[0].id for q in plan.questions}
        for index, question in enumerate(plan.questions):
            incident = await service.answer(incident.id, reporter, index, answers[question.id])
        start = incident.level_id
        assert start is not None
        await shown(service)
        incident = await service.confirm(incident.id, actor(plan, plan.level(start).approve))
        met: dict[str, object] = {}
        for step, target in enumerate(walk(plan.level_ids, start)):
            clock.advance(STEP)
            await service.tick()
            incident = await service.regrade(
                incident.id, actor(plan, plan.level(incident.level_id or "").approve), target
            )
            texts = await shown(service)
            check_obligations(plan, incident, target, met)
            assert any(f"#{incident.number}" in text for text in texts)
            if step % 2 == 0:  # meet the first open task: met tasks stay met through regrades
                running = [
                    o
                    for o in incident.obligations
                    if o.status is ObStatus.OPEN and parse_instance(o.id) is None
                ]
                spec_level = plan.level(target)
                plain = [o for o in running if not _needs_approval(plan, target, o.id)]
                if plain:
                    owner = next(s.owner for s in spec_level.obligations if s.id == plain[0].id)
                    incident = await service.done(incident.id, actor(plan, [owner]), plain[0].id)
                    met[plain[0].id] = incident.obligation(plain[0].id).met_at
            await service.tick()
            await shown(service)
        await finish(service, plan, incident.id, met)


def _needs_approval(plan: Plan, level_id: str, obligation_id: str) -> bool:
    spec = next(s for s in obligation_specs(plan, level_id) if s.id == obligation_id)
    return bool(spec.approval)


def check_obligations(
    plan: Plan, incident: Incident, level_id: str, met: dict[str, object]
) -> None:
    """The level's tasks run (new ones due from the report), others dropped, met ones stay met.

    Progress reports run on while the level owes their series, else are dropped.
    """
    wanted = {spec.id: spec for spec in obligation_specs(plan, level_id)}
    series = {found.id for found in series_of(plan, level_id)}
    for ob in incident.obligations:
        report = parse_instance(ob.id)
        if ob.id in met:
            assert (ob.status, ob.met_at) == (ObStatus.MET, met[ob.id]), ob
        elif report is not None:
            owed = report[0] in series and ob.status is not ObStatus.DROPPED
            assert ob.status is (ObStatus.OPEN if owed else ObStatus.DROPPED), ob
        elif ob.id in wanted:
            running = (ObStatus.OPEN, ObStatus.SUBMITTED, ObStatus.WAITING, ObStatus.STANDBY)
            assert ob.status in running, ob
            if wanted[ob.id].after == "reported":
                assert ob.due_at == incident.reported_at + wanted[ob.id].within
        else:
            assert ob.status is ObStatus.DROPPED, ob
    assert set(wanted) <= {ob.id for ob in incident.obligations}


async def finish(
    service: IncidentService, plan: Plan, incident_id: int, met: dict[str, object]
) -> None:
    """Calm down, regrade once more, close: dropped tasks are never counted late anywhere."""
    clock = service.clock
    assert isinstance(clock, ManualClock)
    incident = await service.store.get_incident(incident_id)
    assert incident is not None and incident.level_id is not None
    leader = actor(plan, plan.level(incident.level_id).approve)
    incident = await service.stabilise(incident_id, leader)
    other = plan.level_ids[0] if incident.level_id != plan.level_ids[0] else plan.level_ids[-1]
    incident = await service.regrade(incident_id, leader, other)
    assert incident.obligation(REVIEW_ID).status is ObStatus.OPEN  # still running from calm
    await shown(service)
    clock.advance(timedelta(days=30))
    await service.tick()
    texts = await shown(service)
    assert texts and not any(f"/draft {incident_id} {REVIEW_ID}" in text for text in texts)
    reviewer = actor(plan, [plan.review.owner])
    await service.submit(incident_id, reviewer, REVIEW_ID, "总结")
    incident = await service.decide_content(
        incident_id, actor(plan, plan.review.approve), REVIEW_ID, True
    )
    await shown(service)
    for ob in incident.obligations:
        verdict = standing(incident, ob, clock.now()).verdict
        if ob.status is ObStatus.DROPPED:
            assert verdict is Verdict.DROPPED
    figures = compute([incident], clock.now())
    counted = sum(total for _, total in figures.on_time.values())
    assert counted == sum(
        1 for ob in incident.obligations if standing(incident, ob, clock.now()).verdict in COUNTED
    )
    report = build(
        await gather(service.store, incident, await service.plan_for(incident), clock.now()),
        Translator("zh_CN"),
    )
    assert report.sections
