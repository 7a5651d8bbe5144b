"""Running a drill script: each step at its time, acted by the role the plan requires.

A step becomes the typed button press or command a group member would send, run through the
same dispatch as every messenger; the drill only chooses who acts.
"""

from __future__ import annotations

from functools import partial

from bot.domain.obligations import content_digest, spec_for
from bot.drill.runner import Drill
from bot.drill.script import Step
from bot.service import buttons as press
from bot.service import commands as cmd
from bot.service.dispatch import Dispatch, Item


async def run_script(drill: Drill, steps: list[Step]) -> None:
    """Play every step at its offset; time passes (with reminders) in between."""
    for step in steps:
        await drill.run_until(drill.start + step.at)
        await perform(drill, step)


def dispatch(drill: Drill) -> Dispatch:
    """The dispatch every face uses, opening drill incidents in the plan's language."""

    async def language(chat: str) -> str:
        return drill.plan.language

    return Dispatch(drill.service, language, drill=True)


def _roles(step: Step, default: list[str]) -> list[str]:
    return [step.role] if step.role else default


async def _approvers(drill: Drill) -> list[str]:
    incident = await drill.incident()
    if incident.level_id is None:
        return sorted({role for level in drill.plan.levels for role in level.approve})
    return list(drill.plan.level(incident.level_id).approve)


async def _spec_roles(drill: Drill, obligation: str, approval: bool) -> list[str]:
    incident = await drill.incident()
    try:
        assert incident.level_id is not None
        spec = spec_for(drill.plan, incident.level_id, obligation)
    except (KeyError, AssertionError):
        return list(drill.plan.roles)
    return list(spec.approval) if approval else [spec.owner]


async def perform(drill: Drill, step: Step) -> None:
    """Carry out one step through the dispatch."""
    run = dispatch(drill)
    if step.action == "report":
        monitors = ["monitor"] if "monitor" in drill.plan.roles else list(drill.plan.roles)
        reporter = drill.actor(_roles(step, monitors))
        drill.reporter = reporter
        reply = await run(cmd.Report(str(step.value)), reporter, drill.chat)
        assert reply.incident is not None
        drill.incident_id = reply.incident.id
        await drill.flush()
        return
    if step.action == "end":
        return
    if step.action == "answer":
        assert drill.incident_id is not None
        for index, question in enumerate(drill.plan.questions):
            await answer(drill, index, str(step.value[question.id]))
        return
    roles, item = await _typed(drill, step)
    who = drill.actor(_roles(step, roles))
    await drill.act(lambda: run(item, who, drill.chat))


async def answer(drill: Drill, index: int, option: str) -> None:
    """The reporter answers grading question ``index`` with ``option``, as by its button."""
    assert drill.incident_id is not None
    pressed = press.Answer(drill.incident_id, index, option)
    await drill.act(partial(dispatch(drill), pressed, drill.reporter, drill.chat))


def _decision(action: str, incident_id: int, level: str) -> press.Press:
    """A leader's button on the card."""
    if action == "regrade":
        return press.Regrade(incident_id, level)
    if action == "confirm":
        return press.Confirm(incident_id)
    return press.Cancel(incident_id) if action == "cancel" else press.Stabilise(incident_id)


async def _typed(drill: Drill, step: Step) -> tuple[list[str], Item]:
    """The roles that may take a step, and the press or command it stands for."""
    incident = await drill.incident()
    value, action, at = step.value, step.action, incident.id
    if action == "close":
        return drill.plan.review.approve, press.Close(at)
    if action in ("confirm", "regrade", "cancel", "stabilise"):
        return await _approvers(drill), _decision(action, at, str(value))
    if action == "done":
        return await _spec_roles(drill, str(value), approval=False), press.Done(at, str(value))
    if action in ("approve", "reject"):
        # the version a member would see: the content submitted now
        shown = await drill.store.obligation_content(at, str(value))
        digest = content_digest(shown or "")
        decide = press.Approve if action == "approve" else press.Reject
        return await _spec_roles(drill, str(value), approval=True), decide(at, str(value), digest)
    if action == "draft":
        task, text = str(value["obligation"]), str(value["text"])
        roles = await _spec_roles(drill, task, approval=False)
        return roles, cmd.Draft(incident.number, task, text)
    if action == "review":
        return [drill.plan.review.owner], cmd.Review(incident.number, str(value))
    owner = _update_owner(drill, incident.level_id, incident.stabilised_at is not None)
    return [owner], cmd.Update(incident.number, str(value))


def _update_owner(drill: Drill, level_id: str | None, calmed: bool) -> str:
    """Who sends an update: the owner of the 续报 series it meets, else the review's owner."""
    plan = drill.plan
    level = plan.level(level_id) if level_id in plan.level_ids else None
    follow = plan.follow_up_for(level.id) if level else plan.follow_up
    series = follow if calmed else (level.progress if level else None)
    fallback = plan.follow_up.owner if plan.follow_up else plan.review.owner
    return series.owner if series is not None else fallback
