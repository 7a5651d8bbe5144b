"""Running a drill script: each step at its time, acted by the role the plan requires."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from bot.domain.access import Actor
from bot.domain.obligations import REVIEW_ID, spec_for
from bot.drill.runner import Drill
from bot.drill.script import Step


async def run_script(drill: Drill, steps: list[Step]) -> None:
    """Play every step at its offset; time passes (with reminders) in between."""
    for step in steps:
        await drill.run_until(drill.start + step.at)
        await perform(drill, step)


def _roles(drill: Drill, step: Step, default: list[str]) -> list[str]:
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
    """Carry out one step through the incident service."""
    service, value = drill.service, step.value
    if step.action == "report":
        monitors = ["monitor"] if "monitor" in drill.plan.roles else list(drill.plan.roles)
        reporter = drill.actor(_roles(drill, step, monitors))
        drill.reporter = reporter
        incident = await service.open_report(drill.chat, reporter, str(value), drill=True)
        drill.incident_id = incident.id
        await drill.flush()
        return
    if step.action == "end":
        return
    number = drill.incident_id
    assert number is not None
    if step.action == "answer":
        for index, question in enumerate(drill.plan.questions):
            await drill.act(
                partial(service.answer, number, drill.reporter, index, value[question.id])
            )
        return
    actor, call = await _call(drill, step, number)
    await drill.act(lambda: call(actor))


async def _call(
    drill: Drill, step: Step, number: int
) -> tuple[Actor, Callable[[Actor], Awaitable[object]]]:
    """Who acts for a step, and the use case they call."""
    service, value, action = drill.service, step.value, step.action
    if action == "close":
        who = drill.actor(_roles(drill, step, drill.plan.review.approve))
        return who, lambda a: service.close(number, a)
    if action in ("confirm", "regrade", "cancel", "stabilise"):
        who = drill.actor(_roles(drill, step, await _approvers(drill)))
        calls: dict[str, Callable[[Actor], Awaitable[object]]] = {
            "confirm": lambda a: service.confirm(number, a),
            "regrade": lambda a: service.regrade(number, a, str(value)),
            "cancel": lambda a: service.cancel(number, a),
            "stabilise": lambda a: service.stabilise(number, a),
        }
        return who, calls[action]
    if action in ("done", "approve", "reject"):
        roles = await _spec_roles(drill, str(value), approval=action != "done")
        who = drill.actor(_roles(drill, step, roles))
        if action == "done":
            return who, lambda a: service.done(number, a, str(value))
        return who, lambda a: service.decide_content(number, a, str(value), action == "approve")
    if action == "draft":
        roles = await _spec_roles(drill, str(value["obligation"]), approval=False)
        who = drill.actor(_roles(drill, step, roles))
        return who, lambda a: service.submit(
            number, a, str(value["obligation"]), str(value["text"])
        )
    if action == "review":
        who = drill.actor(_roles(drill, step, [drill.plan.review.owner]))
        return who, lambda a: service.submit(number, a, REVIEW_ID, str(value))
    owner = drill.plan.follow_up.owner if drill.plan.follow_up else drill.plan.review.owner
    who = drill.actor(_roles(drill, step, [owner]))
    return who, lambda a: service.update(number, a, str(value))
