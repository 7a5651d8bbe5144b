"""The one dispatch: typed presses and commands → use cases, read-side answers as neutral parts."""

from datetime import timedelta
from functools import partial

import pytest
from support import CHAT
from test_service import BOSS, CLERK, EYE, STRANGER, advance, report_high

from bot.domain.access import NotAllowed
from bot.domain.lifecycle import State
from bot.domain.obligations import ObStatus, content_digest
from bot.render.doc import Doc
from bot.render.plain import to_plain
from bot.service import buttons as press
from bot.service import commands as cmd
from bot.service import languages
from bot.service.base import UnknownIncident
from bot.service.dispatch import Dispatch, Reply
from bot.service.incidents import IncidentService
from bot.service.plans import UnknownChat
from bot.service.queries import File
from bot.service.work import DraftSuperseded

OTHER = "telegram:-100999"  # a chat no plan names


def dispatch(service: IncidentService) -> Dispatch:
    """The dispatch, with each chat's language as the service keeps it."""
    return Dispatch(service, partial(languages.chat_language, service))


def text(reply: Reply) -> str:
    """The reply's Docs as plain text."""
    return "\n".join(to_plain(part) for part in reply.parts if isinstance(part, Doc))


async def test_a_button_acts_only_on_an_incident_of_the_pressing_chat(
    service: IncidentService,
) -> None:
    incident_id = await report_high(service)
    run = dispatch(service)
    for forged in [press.Confirm(incident_id), press.Cancel(incident_id), press.Done(99, "x")]:
        with pytest.raises(press.StaleButton):
            await run(forged, BOSS, OTHER)
    assert (await service.store.get_incident(incident_id)).state is State.GRADED  # type: ignore[union-attr]
    reply = await run(press.Confirm(incident_id), BOSS, CHAT)
    assert reply.incident is not None and reply.incident.state is State.ACTIVE
    with pytest.raises(UnknownIncident):  # numbers, too, count in the chat they are typed in
        await run(cmd.Status(1), BOSS, OTHER)


async def test_presses_and_commands_reach_their_use_cases(service: IncidentService) -> None:
    run = dispatch(service)
    opened = await run(cmd.Report("网帖称……\n第二行"), EYE, CHAT)
    assert opened.incident is not None and opened.incident.description == "网帖称……\n第二行"
    assert not opened.incident.is_drill and opened.parts == ()
    incident_id = opened.incident.id
    for index, option in enumerate(["high", "yes", "no"]):
        await run(press.Answer(incident_id, index, option), EYE, CHAT)
    await run(press.Regrade(incident_id, "mid"), BOSS, CHAT)
    await run(press.Confirm(incident_id), BOSS, CHAT)
    await run(press.Done(incident_id, "verify"), CLERK, CHAT)
    await run(cmd.Done(1, "reply"), CLERK, CHAT)
    await run(cmd.Update(1, "进展"), CLERK, CHAT)
    await run(press.Stabilise(incident_id), BOSS, CHAT)
    reply = await run(cmd.Review(1, "总结"), CLERK, CHAT)
    assert reply.incident is not None
    assert reply.incident.obligation("review").status is ObStatus.SUBMITTED
    with pytest.raises(DraftSuperseded):  # the approver saw another version
        await run(press.Approve(incident_id, "review", content_digest("旧稿")), BOSS, CHAT)
    approve = press.Approve(incident_id, "review", content_digest("总结"))
    closed = await run(approve, BOSS, CHAT)
    assert closed.incident is not None and closed.incident.state is State.CLOSED


async def test_read_side_commands_answer_with_neutral_parts(service: IncidentService) -> None:
    run = dispatch(service)
    empty = await run(cmd.List(), CLERK, CHAT)
    assert text(empty) == "本群目前没有未结束的事件。"
    assert empty.people == service.plans.for_chat(CHAT).people  # a face makes its mentions
    await report_high(service)
    listed = text(await run(cmd.List(), CLERK, CHAT))
    assert listed.startswith("未结束的事件（1）：\n#1 重大 · 待领导确认 · 下一项：上报")
    [card] = (await run(cmd.Status(1), CLERK, CHAT)).parts
    assert isinstance(card, Doc) and card.buttons
    assert to_plain(card).startswith("#1 重大舆情 · 待领导确认")
    assert "测试预案" in text(await run(cmd.ShowPlan(), CLERK, CHAT))
    advance(service, timedelta(days=1))
    figures, chart = (await run(cmd.Stats(30), BOSS, CHAT)).parts
    assert to_plain(figures).startswith("【测试预案】事件 1 起（不含演练）")  # type: ignore[arg-type]
    assert isinstance(chart, File) and chart.picture and chart.data.startswith(b"\x89PNG")
    report, timeline = (await run(cmd.Export(1), BOSS, CHAT)).parts
    assert isinstance(report, File) and report.name == "yuqing-1.docx"
    assert report.caption == "#1 舆情处置情况报告（草稿）" and report.data.startswith(b"PK")
    assert isinstance(timeline, File) and timeline.picture and timeline.name == "yuqing-1.png"
    with pytest.raises(UnknownChat):
        await run(cmd.ShowPlan(), CLERK, OTHER)


async def test_lang_checks_roles_and_answers_in_the_new_language(
    service: IncidentService,
) -> None:
    run = dispatch(service)
    with pytest.raises(NotAllowed):
        await run(cmd.Lang("en"), STRANGER, CHAT)
    assert await service.store.kv_get(languages.NAMESPACE, CHAT) is None
    assert text(await run(cmd.Lang("en"), CLERK, CHAT)) == "This chat now uses English."
    assert text(await run(cmd.List(), CLERK, CHAT)) == "No open incidents in this group."
    # a chat without a plan has nothing at stake: anyone may choose its language
    assert text(await run(cmd.Lang("en"), STRANGER, OTHER)) == "This chat now uses English."


async def test_help_names_the_chat_and_the_person(service: IncidentService) -> None:
    run = dispatch(service)
    bound = text(await run(cmd.Help(), EYE, CHAT))
    assert "/report" in bound and "本群 ID：-100500" in bound and "用户 ID：3" in bound
    assert "还没有绑定预案" not in bound
    unbound = await run(cmd.Help(), EYE, OTHER)
    assert "还没有绑定预案" in text(unbound) and unbound.people == {}


async def test_a_drill_dispatch_opens_drill_incidents(service: IncidentService) -> None:
    async def chinese(chat: str) -> str:
        return "zh_CN"

    reply = await Dispatch(service, chinese, drill=True)(cmd.Report("演练"), EYE, CHAT)
    assert reply.incident is not None and reply.incident.is_drill
