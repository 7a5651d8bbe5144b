"""Closing: tasks owed when the review is approved wait for a leader's Close, then freeze."""

from datetime import timedelta

import pytest
from support import CHAT, T0
from test_service import BOSS, CLERK, EYE, H, M, advance, drain, report_high

from bot.domain.access import NotAllowed
from bot.domain.errors import IllegalTransition
from bot.domain.lifecycle import State
from bot.domain.obligations import ObStatus
from bot.domain.verdicts import Standing, Verdict, standing
from bot.i18n import Translator
from bot.render.card import card
from bot.render.errors import shown_params
from bot.render.plain import to_plain
from bot.service.closing import NotClosable
from bot.service.incidents import IncidentService
from bot.service.work import NotYetGraded
from bot.stats import compute


async def calmed_with_review_approved(service: IncidentService) -> int:
    """A 重大 incident, report met, release still owed, calmed down, the review approved."""
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await service.done(incident_id, CLERK, "report")
    await service.stabilise(incident_id, BOSS)
    await service.submit(incident_id, CLERK, "review", "总结")
    await drain(service)
    advance(service, 3 * H)  # the release (due at +2 h) is an hour late by now
    incident = await service.decide_content(incident_id, BOSS, "review", approve=True)
    assert incident.state is State.STABILISED
    return incident_id


async def test_review_approved_with_a_task_owed_asks_the_leaders(
    service: IncidentService,
) -> None:
    incident_id = await calmed_with_review_approved(service)
    sent = await drain(service)
    asked = [p for kind, p in sent if kind == "notice"]
    assert asked[-1]["key"] == "notice.close_pending"
    assert asked[-1]["params"]["tasks"] == ["release"] and asked[-1]["mentions"] == ["boss"]
    incident = await service.store.get_incident(incident_id)
    assert incident is not None
    plan = await service.plan_for(incident)
    shown = to_plain(card(incident, plan, Translator("zh_CN"), service.clock.now(), []))
    assert "🔒 结案" in shown
    with pytest.raises(NotAllowed):
        await service.close(incident_id, CLERK)
    closed = await service.close(incident_id, BOSS)
    assert closed.state is State.CLOSED and closed.closed_at == T0 + 3 * H
    assert closed.obligation("release").status is ObStatus.UNMET
    # lateness is counted up to the close, however much later anyone looks
    for later in (timedelta(0), timedelta(days=273)):
        found = standing(closed, closed.obligation("release"), service.clock.now() + later)
        assert found == Standing(Verdict.BREACHED, H)
    figures = compute([closed], service.clock.now() + timedelta(days=273))
    assert figures.on_time["release"] == [0, 1] and figures.breaches_per_role == {"office": 1}
    notices = [p for kind, p in await drain(service) if kind == "notice"]
    assert notices[-1]["key"] == "notice.closed_unmet"
    with pytest.raises(IllegalTransition):
        await service.close(incident_id, BOSS)


async def test_the_last_task_met_after_the_review_closes_the_incident(
    service: IncidentService,
) -> None:
    incident_id = await calmed_with_review_approved(service)
    await service.submit(incident_id, CLERK, "release", "通稿")
    closed = await service.decide_content(incident_id, BOSS, "release", approve=True)
    assert closed.state is State.CLOSED
    assert all(ob.status is ObStatus.MET for ob in closed.obligations)
    notices = [p["key"] for kind, p in await drain(service) if kind == "notice"]
    assert notices[-1] == "notice.closed_all_met"


async def test_closing_by_hand_needs_the_review_approved(service: IncidentService) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await service.stabilise(incident_id, BOSS)
    with pytest.raises(NotClosable):
        await service.close(incident_id, BOSS)


async def test_a_false_alarm_is_counted_apart_never_as_breaches(
    service: IncidentService,
) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    advance(service, 3 * H)
    cancelled = await service.cancel(incident_id, BOSS)
    figures = compute([cancelled], service.clock.now() + timedelta(days=400))
    assert (figures.incidents, figures.false_alarms) == (0, 1)
    assert figures.on_time == {} and figures.breaches_per_role == {}
    for ob in cancelled.obligations:
        assert standing(cancelled, ob, service.clock.now()).verdict is Verdict.CANCELLED


async def test_commands_on_an_incident_still_being_graded_say_so(
    service: IncidentService,
) -> None:
    incident = await service.open_report(CHAT, EYE, "网帖")
    with pytest.raises(NotYetGraded) as updated:
        await service.update(incident.id, CLERK, "进展")
    with pytest.raises(NotYetGraded):
        await service.done(incident.id, CLERK, "report")
    assert updated.value.params["number"] == 1


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh_CN", "事件 #1 当前为“处置中”，不能再“确认等级”。"),
        (
            "en",
            "Incident #1 is now “in progress”: “confirm the level” no longer applies.",
        ),
    ],
)
async def test_a_double_confirm_is_refused_in_words(
    service: IncidentService, lang: str, text: str
) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    with pytest.raises(IllegalTransition) as caught:
        await service.confirm(incident_id, BOSS)
    t = Translator(lang)
    plan = service.plans.for_chat(CHAT)
    assert t(caught.value.key, **shown_params(caught.value.params, plan, t)) == text


async def test_approval_after_close_is_refused(service: IncidentService) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await service.done(incident_id, CLERK, "report")
    await service.submit(incident_id, CLERK, "release", "通稿")
    await service.decide_content(incident_id, BOSS, "release", approve=True)
    await service.stabilise(incident_id, BOSS)
    advance(service, 10 * M)
    await service.submit(incident_id, CLERK, "review", "总结")
    closed = await service.decide_content(incident_id, BOSS, "review", approve=True)
    assert closed.state is State.CLOSED and not [
        o for o in closed.obligations if o.status is ObStatus.UNMET
    ]
