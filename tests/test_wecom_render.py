"""Every outbox kind of every shipped plan drawn for WeCom: cards, markdown, robot texts in limits.

Incidents are played through the real service on SQLite with every person holding a WeCom
userid; each message owed is composed as delivery composes it, in both languages, and drawn
as a card (every page), as markdown (split at the real limit and at a small one) and as robot
texts, with keys made by the real token store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support import T0
from walk_support import SHIPPED

from bot.domain.access import Actor
from bot.domain.obligations import REVIEW_ID, ObStatus, obligation_specs
from bot.domain.plan import Chats, Plan
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.render.doc import Doc, Style
from bot.render.messages import compose
from bot.service.buttons import Done, unpack
from bot.service.clock import ManualClock
from bot.service.commands import Done as TypedDone
from bot.service.commands import Status, parse
from bot.service.incidents import IncidentService
from bot.service.outbox import Kind
from bot.service.plans import PlanBook
from bot.store import SqliteStore
from bot.wecom import tokens
from bot.wecom.push import MARKDOWN_BYTES, ROBOT_TEXT_BYTES, robot_texts, to_markdown, typed
from bot.wecom.render import card_data, mentioned, nav_page, template_card, views
from bot.wecom.text import size, width

CHAT_ID = "wrWALK01"
CHAT = f"wecom:{CHAT_ID}"
HOSTILE = "网帖 **称** [点此](http://evil.example) <@boss> <b>x</b> `rm` # 标\n> 引 $userName=a$"
TASK_ID = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")


@dataclass(frozen=True)
class Drawn:
    """One owed message composed in one language, with what it is about."""

    kind: str
    lang: str
    doc: Doc
    number: int
    plan: Plan


def wecom_plan(path: Path) -> Plan:
    """A shipped plan run in a WeCom group, every person with a WeCom userid."""
    plan = load_plan(path)
    people = {
        person_id: person.model_copy(update={"wecom": f"u_{person_id}"})
        for person_id, person in plan.people.items()
    }
    return plan.model_copy(update={"chats": Chats(wecom=[CHAT_ID]), "people": people})


def acting(plan: Plan, roles: list[str]) -> Actor:
    """A person holding one of ``roles``, acting by their WeCom userid."""
    person_id = plan.members(roles)[0]
    return Actor("wecom", str(plan.people[person_id].wecom), None, plan.people[person_id].name)


async def owed(service: IncidentService) -> list[Drawn]:
    """Every owed message composed in both languages, then marked sent."""
    out = []
    for item in await service.store.pending():
        incident = await service.store.get_incident(item.incident_id or 0)
        assert incident is not None
        plan = await service.plan_for(incident)
        content = None
        if "obligation" in item.payload:
            content = await service.store.obligation_content(
                incident.id, item.payload["obligation"]
            )
        for lang in ("zh_CN", "en"):
            doc = compose(item, incident, plan, Translator(lang), service.clock.now(), content)
            out.append(Drawn(item.kind, lang, doc, incident.number, plan))
        async with service.store.transaction() as tx:
            await tx.mark_sent(item.id, service.clock.now())
    return out


async def play(service: IncidentService, plan: Plan) -> list[Drawn]:
    """One incident from report to close: every kind of message comes out on the way."""
    clock = service.clock
    assert isinstance(clock, ManualClock)
    reporter = acting(plan, ["monitor"])
    incident = await service.open_report(CHAT, reporter, HOSTILE)
    for index, question in enumerate(plan.questions):
        incident = await service.answer(incident.id, reporter, index, question.options[0].id)
    assert incident.level_id is not None
    drawn = await owed(service)
    leader = acting(plan, plan.level(incident.level_id).approve)
    incident = await service.confirm(incident.id, leader)
    top = plan.level_ids[-1]
    if incident.level_id != top:
        incident = await service.regrade(incident.id, leader, top)
    leader = acting(plan, plan.level(top).approve)
    drawn += await owed(service)
    for _ in range(8):  # warnings, due and overdue reminders, escalations, follow-ups
        clock.advance(timedelta(minutes=37))
        await service.tick()
        drawn += await owed(service)
    for spec in obligation_specs(plan, top):
        if incident.obligation(spec.id).status is not ObStatus.OPEN or spec.id == REVIEW_ID:
            continue
        owner = acting(plan, [spec.owner])
        if spec.approval:
            await service.submit(incident.id, owner, spec.id, "通稿：<关于**某事**的说明>")
            drawn += await owed(service)
            incident = await service.decide_content(incident.id, leader, spec.id, True)
        else:
            incident = await service.done(incident.id, owner, spec.id)
    await service.update(incident.id, leader, "续报：已处置 [完毕](http://x.example)")
    incident = await service.stabilise(incident.id, leader)
    drawn += await owed(service)
    clock.advance(timedelta(hours=13))
    await service.tick()
    assert plan.review is not None
    await service.submit(incident.id, acting(plan, [plan.review.owner]), REVIEW_ID, "总结")
    drawn += await owed(service)
    await service.decide_content(incident.id, acting(plan, plan.review.approve), REVIEW_ID, True)
    return drawn + await owed(service)


def check_card(card: dict[str, Any], drawn: Drawn, keys: dict[str, str]) -> None:
    """The card keeps every WeCom limit, and its rows are the mentioned people."""
    assert card["card_type"] == "button_interaction"
    assert TASK_ID.match(card["task_id"])
    assert 0 < width(card["main_title"]["title"]) <= 52
    assert width(card["main_title"].get("desc", "")) <= 60
    assert width(card.get("sub_title_text", "")) <= 224
    rows = card.get("horizontal_content_list", [])
    assert len(rows) <= 6
    userids = mentioned(drawn.doc, drawn.plan.people)
    assert [row["userid"] for row in rows] == userids[:6]
    assert all(row["type"] == 3 and width(row["keyname"]) <= 10 for row in rows)
    assert all(0 < width(row["value"]) <= 52 for row in rows)
    shown = card["button_list"]
    assert 1 <= len(shown) <= 6
    labels = [button["text"] for button in shown]
    assert len(set(labels)) == len(labels) and all(0 < width(label) <= 20 for label in labels)
    assert len({button["key"] for button in shown}) == len(shown)
    assert all(size(button["key"]) <= 1024 and button["style"] in (1, 2) for button in shown)
    for button in shown:
        assert button["key"] in keys.values() or nav_page(button["key"]) is not None


def check_pushes(drawn: Drawn) -> None:
    """Markdown and robot texts stay within their limits, balanced and escaped."""
    pushed = typed(drawn.doc, Translator(drawn.lang), drawn.number)
    for limit in (MARKDOWN_BYTES, 160):
        for part in to_markdown(pushed, limit):
            assert size(part) <= limit
            assert part.count("`") % 2 == 0 and part.count("**") % 2 == 0
            assert "<" not in part and ">" not in part and "$userName" not in part
            assert part.count("[") == part.count("](")
    userids = mentioned(drawn.doc, drawn.plan.people)
    for limit in (ROBOT_TEXT_BYTES, 120):
        texts = robot_texts(pushed, drawn.plan.people, limit)
        assert [text.mentioned_list for text in texts] == [tuple(userids)] + [()] * (len(texts) - 1)
        assert all(size(text.content) <= limit and "<@" not in text.content for text in texts)
    codes = [seg.text for line in pushed.lines for seg in line if seg.style is Style.CODE]
    presses = [unpack(data) for data in card_data(drawn.doc)]
    number = drawn.number
    wanted = {
        TypedDone(number, press.obligation) if isinstance(press, Done) else Status(number)
        for press in presses
    }
    assert {parse(code.split(" ", 1)[1]) for code in codes} == wanted  # the parser reads each


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
async def test_every_kind_of_every_shipped_plan_fits_wecom(path: Path, tmp_path: Path) -> None:
    plan = wecom_plan(path)
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = IncidentService(store, PlanBook([plan]), ManualClock(T0))
        every = await play(service, plan)
        # follow-up prompts are only drawn for rows queued before 续报 became tasks
        assert {drawn.kind for drawn in every} == {kind.value for kind in Kind} - {"follow_up"}
        for drawn in every:
            keys = await tokens.keys_for(store, card_data(drawn.doc))
            pressed = []
            for page in range(len(views(drawn.doc))):
                t = Translator(drawn.lang)
                card = template_card(drawn.doc, plan.people, t, keys, "T1", page).template_card
                check_card(card, drawn, keys)
                pressed += [b["key"] for b in card["button_list"] if nav_page(b["key"]) is None]
            assert sorted(pressed) == sorted(keys.values())  # every button on one page, once
            check_pushes(drawn)
