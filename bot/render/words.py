"""Small localized words: times in the plan's zone, durations, state names, people."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.lifecycle import State
from bot.domain.messages import N_
from bot.domain.obligations import ObligationState, spec_for, task_spec
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.render.doc import Seg, Style

STATE_KEYS = {
    State.REPORTED: N_("state.reported"),
    State.GRADED: N_("state.graded"),
    State.ACTIVE: N_("state.active"),
    State.STABILISED: N_("state.stabilised"),
    State.CLOSED: N_("state.closed"),
    State.CANCELLED: N_("state.cancelled"),
    State.ABANDONED: N_("state.abandoned"),
}

_UNITS = (
    (86400, N_("unit.days")),
    (3600, N_("unit.hours")),
    (60, N_("unit.minutes")),
    (1, N_("unit.seconds")),
)


def when(moment: datetime, plan: Plan) -> str:
    """A moment in the plan's time zone, like ``03-01 16:00``."""
    return moment.astimezone(plan.zone).strftime("%m-%d %H:%M")


def duration(t: Translator, value: timedelta) -> str:
    """A duration in words, to the two largest units (``1小时30分钟`` / ``1 h 30 min``)."""
    total = max(int(value.total_seconds()), 0)
    parts = []
    for size, key in _UNITS:
        amount, total = divmod(total, size)
        if amount:
            parts.append(t(key, n=amount))
    if not parts:
        return t(N_("unit.seconds"), n=0)
    return t("unit.join", a=parts[0], b=parts[1]) if len(parts) > 1 else parts[0]


def state_name(t: Translator, state: State) -> str:
    """The state as the group reads it."""
    return t(STATE_KEYS[state])


def person(plan: Plan, person_id: str) -> Seg:
    """A person the plan knows as a mention (each messenger makes its own), else their id."""
    who = plan.people.get(person_id)
    if who is None:
        return Seg(person_id)
    return Seg(who.name, Style.MENTION, person_id)


def level_name(plan: Plan, level_id: str | None, lang: str) -> str:
    """A level's name, or its id if the plan no longer has it."""
    if level_id is None:
        return "—"
    try:
        return plan.level(level_id).name.get(lang)
    except KeyError:
        return level_id


def role_title(plan: Plan, role_id: str, lang: str) -> str:
    """A role's title, or its id if the plan no longer has it."""
    role = plan.roles.get(role_id)
    return role.title.get(lang) if role is not None else role_id


def task_name(
    plan: Plan, level_id: str | None, obligation: str | ObligationState, lang: str
) -> str:
    """A task in the plan's words (a stored task: its own level's), else its id."""
    try:
        if isinstance(obligation, ObligationState):
            return task_spec(plan, level_id, obligation).text.get(lang)
        return spec_for(plan, level_id or "", obligation).text.get(lang)
    except KeyError:
        return obligation if isinstance(obligation, str) else obligation.id
