"""Typed commands name a task by id, by name (any language, loosely) or by its card number."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support import T0
from walk_support import SHIPPED, shipped

from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import REVIEW_ID, Anchors, ObStatus, schedule
from bot.domain.plan import Plan
from bot.domain.tasks import AmbiguousTask, UnknownTask, card_tasks, resolve_task
from bot.i18n import Translator
from bot.render.card import card
from bot.render.errors import shown_params
from bot.render.plain import to_plain
from bot.render.words import task_name

CHAT_ID = -100700
LEVELS = [(path, level.id) for path in SHIPPED for level in shipped(path, CHAT_ID).levels]
LANGS = ("zh_CN", "en")
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def at_level(plan: Plan, level_id: str) -> Incident:
    """An incident of ``plan`` running at ``level_id``, its tasks as scheduled."""
    states = schedule(plan, level_id, Anchors(T0)).states
    return Incident(
        1, 7, plan.id, f"telegram:{CHAT_ID}", State.ACTIVE, "telegram:1", "网帖", T0,
        level_id=level_id, obligations=states,
    )  # fmt: skip


def refusal(exc: DomainError, plan: Plan, lang: str) -> str:
    """The refusal as the chat reads it."""
    t = Translator(lang)
    return t(exc.key, **shown_params(exc.params, plan, t))


def listing(plan: Plan, incident: Incident, lang: str) -> list[str]:
    """The lines the refusal should list: every open task as "number. name (id)"."""
    t = Translator(lang)
    return [
        t("task.listed", n=n, name=task_name(plan, incident.level_id, s.id, lang), id=s.id)
        for n, s in enumerate(card_tasks(incident), 1)
        if s.status is ObStatus.OPEN
    ]


def by_level(path: Path, level_id: str) -> str:
    return f"{path.stem}-{level_id}"


@pytest.mark.parametrize(("path", "level_id"), LEVELS, ids=[by_level(*v) for v in LEVELS])
def test_each_task_by_id_by_each_name_and_by_card_number(path: Path, level_id: str) -> None:
    plan = shipped(path, CHAT_ID)
    incident = at_level(plan, level_id)
    tasks = card_tasks(incident)
    assert tasks
    for lang in LANGS:
        drawn = to_plain(card(incident, plan, Translator(lang), T0, []), plan.people)
        for number, state in enumerate(tasks, 1):
            name = task_name(plan, level_id, state.id, lang)
            assert f"\n{number}. {name}" in drawn  # the card numbers them as they resolve
            assert resolve_task(plan, incident, name) == state.id
            assert resolve_task(plan, incident, f"  {name.upper().translate(WIDE)} ") == state.id
    for number, state in enumerate(tasks, 1):
        assert resolve_task(plan, incident, state.id) == state.id
        assert resolve_task(plan, incident, state.id.upper()) == state.id
        assert resolve_task(plan, incident, str(number)) == state.id
        assert resolve_task(plan, incident, str(number).translate(WIDE)) == state.id


@pytest.mark.parametrize(("path", "level_id"), LEVELS, ids=[by_level(*v) for v in LEVELS])
def test_an_unknown_task_is_refused_with_the_open_tasks(path: Path, level_id: str) -> None:
    plan = shipped(path, CHAT_ID)
    incident = at_level(plan, level_id)
    for given in ("不存在的事项", "0", str(len(card_tasks(incident)) + 1), "report up now"):
        with pytest.raises(UnknownTask) as refused:
            resolve_task(plan, incident, given)
        for lang in LANGS:
            text = refusal(refused.value, plan, lang)
            assert given in text and "#7" in text
            assert text.splitlines()[1:] == listing(plan, incident, lang)


def twinned(plan: Plan, level_id: str) -> tuple[Plan, str, str]:
    """``plan`` with the level's second task (else the review) named as its first; their ids."""
    level = plan.level(level_id)
    first = level.obligations[0]
    if len(level.obligations) < 2:
        review = plan.review.model_copy(update={"text": first.text})
        return plan.model_copy(update={"review": review}), first.id, REVIEW_ID
    twin = level.obligations[1].model_copy(update={"text": first.text})
    tasks = [first, twin, *level.obligations[2:]]
    levels = [
        lv.model_copy(update={"obligations": tasks}) if lv.id == level_id else lv
        for lv in plan.levels
    ]
    return plan.model_copy(update={"levels": levels}), first.id, twin.id


@pytest.mark.parametrize(("path", "level_id"), LEVELS, ids=[by_level(*v) for v in LEVELS])
def test_a_name_two_tasks_share_is_refused_unless_one_is_done(path: Path, level_id: str) -> None:
    plan, first, twin = twinned(shipped(path, CHAT_ID), level_id)
    incident = at_level(plan, level_id)
    name = {lang: task_name(plan, level_id, first, lang) for lang in LANGS}
    for lang in LANGS:
        with pytest.raises(AmbiguousTask) as refused:
            resolve_task(plan, incident, name[lang].lower())
        text = refusal(refused.value, plan, lang)
        assert text.splitlines()[1:] == listing(plan, incident, lang)
        owed = incident.obligation(twin).status is ObStatus.OPEN  # the review waits for calm
        assert f"1. {name[lang]}" in text and (f"2. {name[lang]}" in text) is owed
    assert resolve_task(plan, incident, "2") == twin  # the number still tells them apart
    assert resolve_task(plan, incident, twin) == twin
    met = tuple(
        replace(s, status=ObStatus.MET) if s.id == twin else s for s in incident.obligations
    )
    incident = replace(incident, obligations=met)
    assert resolve_task(plan, incident, name["zh_CN"]) == first  # the one still to do
    assert f"({twin})" not in refusal(UnknownTask(**_params(plan, incident)), plan, "en")


def _params(plan: Plan, incident: Incident) -> dict[str, object]:
    try:
        resolve_task(plan, incident, "nothing like it")
    except UnknownTask as exc:
        return exc.params
    raise AssertionError("resolved")
