"""Cross-checks a plan after its fields validated: references, uniqueness, timing sense."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.domain.ladder import step_number
from bot.domain.messages import N_
from bot.domain.obligations import review_spec
from bot.domain.plan import FollowUp, Level, Plan, Progress, ReminderRules
from bot.domain.rules import Path, conditions
from bot.domain.series import SERIES_IDS, parse_instance

RESERVED_OBLIGATION_IDS = frozenset({"review", *SERIES_IDS})
RESERVED_QUESTION_IDS = frozenset({"any", "all"})  # rule words: `when: {any: [...]}`
MAX_FOLLOW_UPS = 500  # prompts after stabilising: every 1h for 3 weeks; more is a typing mistake


@dataclass(frozen=True)
class Problem:
    """One finding: where in the plan (``path``), which message, with what parameters."""

    path: Path
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def cross_check(plan: Plan) -> list[Problem]:
    """Every reference, uniqueness and timing problem in a plan (empty when it is sound)."""
    return [
        *_role_references(plan),
        *_person_references(plan),
        *_rule_references(plan),
        *_uniqueness(plan),
        *_default_level(plan),
        *_timing(plan),
        *_ladders(plan),
        *_conditions(plan),
    ]


def _missing_roles(plan: Plan, path: Path, role_ids: Iterable[str]) -> Iterator[Problem]:
    for index, role_id in enumerate(role_ids):
        if role_id not in plan.roles:
            yield Problem((*path, index), N_("plan.unknown_role"), {"role": role_id})


def _ladder_roles(plan: Plan, path: Path, rules: ReminderRules | None) -> Iterator[Problem]:
    if rules is not None and rules.escalate_to:
        yield from _missing_roles(plan, (*path, "escalate_to"), rules.escalate_to)
    for index, step in enumerate(rules.escalate if rules else []):
        yield from _missing_roles(plan, (*path, "escalate", index, "to"), step.to)


def _series_roles(plan: Plan, path: Path, series: Progress | FollowUp | None) -> Iterator[Problem]:
    if series is None:
        return
    if series.owner not in plan.roles:
        yield Problem((*path, "owner"), N_("plan.unknown_role"), {"role": series.owner})
    yield from _ladder_roles(plan, (*path, "reminders"), series.reminders)


def _level_roles(plan: Plan, li: int, level: Level) -> Iterator[Problem]:
    yield from _missing_roles(plan, ("levels", li, "notify"), level.notify)
    yield from _missing_roles(plan, ("levels", li, "approve"), level.approve)
    for oi, ob in enumerate(level.obligations):
        here = ("levels", li, "obligations", oi)
        if ob.owner not in plan.roles:
            yield Problem((*here, "owner"), N_("plan.unknown_role"), {"role": ob.owner})
        yield from _missing_roles(plan, (*here, "approval"), ob.approval)
        yield from _ladder_roles(plan, (*here, "reminders"), ob.reminders)
    yield from _series_roles(plan, ("levels", li, "progress"), level.progress)
    yield from _series_roles(plan, ("levels", li, "follow_up"), level.follow_up)


def _role_references(plan: Plan) -> Iterator[Problem]:
    yield from _ladder_roles(plan, ("reminders",), plan.reminders)
    for li, level in enumerate(plan.levels):
        yield from _level_roles(plan, li, level)
    yield from _series_roles(plan, ("follow_up",), plan.follow_up)
    if plan.review.owner not in plan.roles:
        yield Problem(("review", "owner"), N_("plan.unknown_role"), {"role": plan.review.owner})
    yield from _missing_roles(plan, ("review", "approve"), plan.review.approve)


def _person_references(plan: Plan) -> Iterator[Problem]:
    for role_id, role in plan.roles.items():
        for index, person in enumerate(role.members):
            if person not in plan.people:
                path = ("roles", role_id, "members", index)
                yield Problem(path, N_("plan.unknown_person"), {"person": person})


def _rule_references(plan: Plan) -> Iterator[Problem]:
    questions = {q.id: {o.id for o in q.options} for q in plan.questions}
    for li, level in enumerate(plan.levels):
        if level.when is None:
            continue
        for cond in conditions(level.when):
            path = ("levels", li, "when", *cond.path)
            if cond.question not in questions:
                yield Problem(path, N_("plan.unknown_question"), {"question": cond.question})
                continue
            for option in cond.options:
                if option not in questions[cond.question]:
                    params = {"question": cond.question, "option": option}
                    yield Problem(path, N_("plan.unknown_option"), params)


def _duplicates(path: Path, ids: list[str]) -> Iterator[Problem]:
    for value, count in Counter(ids).items():
        if count > 1:
            yield Problem((*path, ids.index(value)), N_("plan.duplicate_id"), {"id": value})


def _uniqueness(plan: Plan) -> Iterator[Problem]:
    yield from _duplicates(("levels",), [level.id for level in plan.levels])
    yield from _duplicates(("questions",), [q.id for q in plan.questions])
    for qi, question in enumerate(plan.questions):
        yield from _duplicates(("questions", qi, "options"), [o.id for o in question.options])
        if question.id in RESERVED_QUESTION_IDS:
            where = ("questions", qi, "id")
            yield Problem(where, N_("plan.reserved_question_id"), {"id": question.id})
    for li, level in enumerate(plan.levels):
        ids = [ob.id for ob in level.obligations]
        yield from _duplicates(("levels", li, "obligations"), ids)
        for oi, ob_id in enumerate(ids):
            if ob_id in RESERVED_OBLIGATION_IDS or parse_instance(ob_id):
                path = ("levels", li, "obligations", oi, "id")
                yield Problem(path, N_("plan.reserved_id"), {"id": ob_id})


def _default_level(plan: Plan) -> Iterator[Problem]:
    defaults = [li for li, level in enumerate(plan.levels) if level.when is None]
    if len(defaults) != 1:
        yield Problem(("levels",), N_("plan.default_level_count"), {"count": len(defaults)})


def _warnings_fit(
    path: Path, within: timedelta, name: str, rules: ReminderRules
) -> Iterator[Problem]:
    """Each warning comes before the deadline's clock starts: shorter than ``within``."""
    for index, before in enumerate(rules.before):
        if before >= within:
            yield Problem((*path, index), N_("plan.warning_too_long"), {"obligation": name})


def _timing(plan: Plan) -> Iterator[Problem]:
    for li, level in enumerate(plan.levels):
        for oi, ob in enumerate(level.obligations):
            here: Path = ("levels", li, "obligations", oi)
            if ob.reminders:
                yield from _warnings_fit(
                    (*here, "reminders", "before"), ob.within, ob.id, ob.reminders
                )
            else:
                yield from _warnings_fit(("reminders", "before"), ob.within, ob.id, plan.reminders)
    review = review_spec(plan)
    yield from _warnings_fit(("reminders", "before"), review.within, review.id, plan.reminders)
    yield from _series_timing(("follow_up",), plan.follow_up, plan.reminders)
    for li, level in enumerate(plan.levels):
        yield from _series_timing(("levels", li, "progress"), level.progress, plan.reminders)
        yield from _series_timing(("levels", li, "follow_up"), level.follow_up, plan.reminders)


def _series_timing(
    path: Path, series: Progress | FollowUp | None, plan_rules: ReminderRules
) -> Iterator[Problem]:
    """A series' cadence fits its period, makes a sane number of reports, and its warnings fit."""
    if series is None:
        return
    rules, where = (
        (series.reminders, (*path, "reminders"))
        if series.reminders
        else (plan_rules, ("reminders",))
    )
    yield from _warnings_fit((*where, "before"), series.every, str(path[-1]), rules)
    if series.for_ is None:
        return
    if series.every > series.for_:
        yield Problem((*path, "every"), N_("plan.follow_up_every_too_long"), {})
    elif series.for_ / series.every > MAX_FOLLOW_UPS:
        count = int(series.for_ / series.every)
        params = {"count": count, "limit": MAX_FOLLOW_UPS}
        yield Problem((*path, "every"), N_("plan.follow_up_too_many"), params)


def _every_rules(plan: Plan) -> Iterator[tuple[Path, ReminderRules]]:
    """Each set of reminder rules the plan writes, with where it is written."""
    yield ("reminders",), plan.reminders
    for li, level in enumerate(plan.levels):
        for oi, ob in enumerate(level.obligations):
            if ob.reminders:
                yield ("levels", li, "obligations", oi, "reminders"), ob.reminders
        for key, series in (("progress", level.progress), ("follow_up", level.follow_up)):
            if series is not None and series.reminders is not None:
                yield ("levels", li, key, "reminders"), series.reminders
    if plan.follow_up is not None and plan.follow_up.reminders is not None:
        yield ("follow_up", "reminders"), plan.follow_up.reminders


def _ladders(plan: Plan) -> Iterator[Problem]:
    """Each ladder climbs: every step is reached by a later reminder than the one before."""
    for path, rules in _every_rules(plan):
        reached = [step_number(rules, step) or 0 for step in range(1, len(rules.ladder()) + 1)]
        for index in range(1, len(reached)):
            if reached[index] <= reached[index - 1]:
                yield Problem((*path, "escalate", index), N_("plan.ladder_order"), {})


def _conditions(plan: Plan) -> Iterator[Problem]:
    """``if_overdue`` names another task of the same level that is not itself conditional."""
    for li, level in enumerate(plan.levels):
        tasks = {ob.id: ob for ob in level.obligations}
        for oi, ob in enumerate(level.obligations):
            other = tasks.get(ob.if_overdue) if ob.if_overdue else None
            if ob.if_overdue is None:
                continue
            path = ("levels", li, "obligations", oi, "if_overdue")
            if other is None or other.id == ob.id:
                yield Problem(path, N_("plan.unknown_condition"), {"task": ob.if_overdue})
            elif other.if_overdue is not None:
                yield Problem(path, N_("plan.condition_chain"), {"task": other.id})
            elif other.after == ob.after and ob.within <= other.within:
                yield Problem(path, N_("plan.condition_too_soon"), {"task": other.id})
