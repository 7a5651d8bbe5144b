"""An expected error's parameters as people read them: roles, states, actions, levels, tasks."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from bot.domain.access import in_language
from bot.domain.lifecycle import Event, State
from bot.domain.messages import N_
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.render.words import level_name, state_name, task_name

EVENT_KEYS = {
    Event.GRADE: N_("action.grade"),
    Event.CONFIRM: N_("action.confirm"),
    Event.REGRADE: N_("action.regrade"),
    Event.STABILISE: N_("action.stabilise"),
    Event.CLOSE: N_("action.close"),
    Event.CANCEL: N_("action.cancel"),
    Event.ABANDON: N_("action.abandon"),
}


def shown_params(params: Mapping[str, Any], plan: Plan | None, t: Translator) -> dict[str, Any]:
    """``params`` with every id or internal name replaced by its name in ``t``'s language."""
    found = dict(params)
    if plan is not None:
        found = in_language(found, plan, t.lang)
        if isinstance(found.get("level"), str):
            found["level"] = level_name(plan, found["level"], t.lang)
        for name in ("obligation", "condition"):
            if isinstance(found.get(name), str):
                found[name] = task_name(plan, None, found[name], t.lang)
    if isinstance(found.get("tasks"), list):
        found["tasks"] = task_listing(found["tasks"], plan, t)
    with suppress(ValueError):
        if "state" in found:
            found["state"] = state_name(t, State(found["state"]))
    with suppress(ValueError):
        if "event" in found:
            found["event"] = t(EVENT_KEYS[Event(found["event"])])
    return found


def task_listing(tasks: list[tuple[int, str, str | None]], plan: Plan | None, t: Translator) -> str:
    """Open tasks as "number. name (id)" (a report unnumbered), one a line, in ``t``'s language."""
    lines = [
        t(
            N_("task.listed") if n else N_("task.listed_report"),
            n=n,
            id=task_id,
            name=task_name(plan, level, task_id, t.lang) if plan else task_id,
        )
        for n, task_id, level in tasks
    ]
    return "\n".join(lines) or t("task.none_open")
