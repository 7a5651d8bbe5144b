"""Playing a drill at the terminal: you are the informant and the leaders, choosing by number."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.durations import parse_duration
from bot.domain.lifecycle import State
from bot.domain.obligations import REVIEW_ID, ObStatus, spec_for
from bot.drill.runner import Drill
from bot.drill.script import Step
from bot.drill.scripted import perform

Ask = Callable[[str], str]  # prompt -> the user's line; EOFError ends the drill


@dataclass(frozen=True)
class Choice:
    """One thing the user may do now."""

    label: str
    action: str
    value: object = None
    needs_text: bool = False


async def play(drill: Drill, ask: Ask) -> None:
    """Report, answer the questions, then act until the incident ends or the user quits."""
    t = drill.t
    text = ""
    while not text.strip():
        text = ask(t("drill.ask.description"))
    await _do(drill, "report", text)
    answers = {}
    for question in drill.plan.questions:
        options = [o.text.get(t.lang) for o in question.options]
        index = _pick(drill.out, ask, question.text.get(t.lang), options)
        answers[question.id] = question.options[index].id
    await _do(drill, "answer", answers)
    real_start = time.monotonic()
    while (await drill.incident()).state not in (State.CLOSED, State.CANCELLED):
        if drill.speed:  # virtual time flows while the user thinks
            elapsed = timedelta(seconds=(time.monotonic() - real_start) * drill.speed)
            await drill.run_until(max(drill.clock.now(), drill.start + elapsed))
        choices = await _choices(drill)
        labels = [c.label for c in choices]
        picked = choices[_pick(drill.out, ask, t("drill.ask.action"), labels)]
        if picked.action == "quit":
            return
        if picked.action == "wait":
            await _wait(drill, ask)
            continue
        value = ask(t("drill.ask.text")) if picked.needs_text else picked.value
        if picked.action == "draft":
            value = {"obligation": picked.value, "text": value}
        await _do(drill, picked.action, value)


async def _do(drill: Drill, action: str, value: object) -> None:
    await perform(drill, Step(drill.clock.now() - drill.start, action, value, None, 0))


async def _wait(drill: Drill, ask: Ask) -> None:
    while True:
        raw = ask(drill.t("drill.ask.wait"))
        try:
            await drill.run_until(drill.clock.now() + parse_duration(raw))
            return
        except ValueError:
            drill.out(drill.t("plan.bad_duration", value=raw))


def _pick(out: Callable[[str], None], ask: Ask, title: str, labels: list[str]) -> int:
    """Show numbered labels and read a valid number."""
    while True:
        out(title)
        for number, label in enumerate(labels, 1):
            out(f"  {number}) {label}")
        raw = ask("> ").strip()
        if raw.isdigit() and 1 <= int(raw) <= len(labels):
            return int(raw) - 1


async def _choices(drill: Drill) -> list[Choice]:
    """What can be done now, given the incident's state and obligations."""
    t, incident = drill.t, await drill.incident()
    found: list[Choice] = []
    if incident.state is State.GRADED:
        found.append(Choice(t("button.confirm"), "confirm", True))
    if incident.state is State.ACTIVE:
        found.append(Choice(t("button.stabilise"), "stabilise", True))
    ids = [level.id for level in drill.plan.levels]
    index = ids.index(incident.level_id) if incident.level_id in ids else 0
    for target in (
        ids[index + 1] if index + 1 < len(ids) else None,
        ids[index - 1] if index else None,
    ):
        if target and incident.state in (State.GRADED, State.ACTIVE, State.STABILISED):
            name = drill.plan.level(target).name.get(t.lang)
            found.append(Choice(t("drill.choice.regrade", level=name), "regrade", target))
    assert incident.level_id is not None
    for ob in incident.obligations:
        if ob.status not in (ObStatus.OPEN, ObStatus.SUBMITTED):
            continue
        spec = spec_for(drill.plan, incident.level_id, ob.id)
        task = spec.text.get(t.lang)
        if ob.status is ObStatus.SUBMITTED:
            found.append(Choice(t("drill.choice.approve", task=task), "approve", ob.id))
            found.append(Choice(t("drill.choice.reject", task=task), "reject", ob.id))
        elif ob.id == REVIEW_ID:
            found.append(Choice(t("drill.choice.review"), "review", None, True))
        elif spec.approval:
            found.append(Choice(t("drill.choice.draft", task=task), "draft", ob.id, True))
        else:
            found.append(Choice(t("drill.choice.done", task=task), "done", ob.id))
    found.append(Choice(t("drill.choice.update"), "update", None, True))
    found.append(Choice(t("button.cancel"), "cancel", True))
    found.append(Choice(t("drill.choice.wait"), "wait"))
    found.append(Choice(t("drill.choice.quit"), "quit"))
    return found
