"""Naming a task in a typed command: its id, its name as the card shows it, or its card number."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.messages import N_
from bot.domain.obligations import ACTIVE_STATUSES, ObligationState, ObStatus, task_spec
from bot.domain.plan import Plan
from bot.domain.series import parse_instance

LIVE = ACTIVE_STATUSES | {ObStatus.WAITING}


class UnknownTask(DomainError):
    """No task of the incident answers to what was typed; ``tasks`` lists the open ones."""

    key = N_("error.unknown_task")


class AmbiguousTask(DomainError):
    """More than one task answers to what was typed; ``tasks`` lists the open ones."""

    key = N_("error.ambiguous_task")


def card_tasks(incident: Incident) -> tuple[ObligationState, ...]:
    """The incident's tasks in the order the card numbers them (from 1).

    Progress reports (续报) are not numbered: the card folds those met or missed into one line,
    and /update meets the current one; they are still named by id or by name.
    """
    if incident.level_id is None:
        return ()
    return tuple(state for state in incident.obligations if not parse_instance(state.id))


def reports(incident: Incident) -> tuple[ObligationState, ...]:
    """The incident's progress reports (续报), in the order they were opened."""
    if incident.level_id is None:
        return ()
    return tuple(state for state in incident.obligations if parse_instance(state.id))


def folded(text: str) -> str:
    """Text compared loosely: full/half width, case and runs of spaces do not matter."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def names(plan: Plan, incident: Incident, state: ObligationState) -> list[str]:
    """Every name the plan gives the task, in any language (none if the plan lost it)."""
    try:
        text = task_spec(plan, incident.level_id, state).text.root
    except KeyError:
        return []
    return [text] if isinstance(text, str) else list(text.values())


def open_tasks(incident: Incident) -> list[tuple[int, str, str | None]]:
    """The tasks still to do as (card number, id, level that set it); a report's number is 0."""
    numbered = enumerate(card_tasks(incident), 1)
    every = [*numbered, *((0, state) for state in reports(incident))]
    return [
        (number, state.id, state.level or incident.level_id)
        for number, state in every
        if state.status in ACTIVE_STATUSES
    ]


def _card_number(given: str) -> int | None:
    """The card number ``given`` spells (``2``, ``２``, ``2.``), else None."""
    word = folded(given).rstrip(".").lstrip("#")
    return int(word) if word.isascii() and word.isdigit() and len(word) < 6 else None


def resolve_task(plan: Plan, incident: Incident, given: str) -> str:
    """The id of the task ``given`` names: id, then card number, then exact name, then loose name.

    UnknownTask when nothing matches, AmbiguousTask when two tasks do (a live one is preferred).
    """
    numbered = {state.id: n for n, state in enumerate(card_tasks(incident), 1)}
    tasks = [*card_tasks(incident), *reports(incident)]
    number = _card_number(given)
    tiers: list[Callable[[int | None, ObligationState], bool]] = [
        lambda _, s: folded(s.id) == folded(given),
        lambda n, _: n is not None and n == number,
        lambda _, s: given.strip() in names(plan, incident, s),
        lambda _, s: folded(given) in {folded(name) for name in names(plan, incident, s)},
    ]
    for matches in tiers:
        found = [s for s in tasks if matches(numbered.get(s.id), s)]
        chosen = _one(found)
        if chosen is not None:
            return chosen.id
        if found:
            raise AmbiguousTask(given=given, number=incident.number, tasks=open_tasks(incident))
    raise UnknownTask(given=given, number=incident.number, tasks=open_tasks(incident))


def _one(found: Sequence[ObligationState]) -> ObligationState | None:
    """The only match, or the only live one among several; None if there is no single one."""
    if len({state.id for state in found}) == 1:
        return found[0]
    live = [state for state in found if state.status in LIVE]
    return live[0] if len(live) == 1 else None
