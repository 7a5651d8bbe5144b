"""Grading: answers to the plan's questions -> level and the reasons for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.errors import UnknownAnswer
from bot.domain.incident import Incident
from bot.domain.messages import N_
from bot.domain.plan import Level, Plan
from bot.domain.rules import evaluate

GRADED = "graded"  # Incident.extra key: the level the answers gave and why, when graded


@dataclass(frozen=True)
class Reason:
    """A condition that held: the question and the answer given."""

    question: str
    option: str


@dataclass(frozen=True)
class Grade:
    """The level a set of answers reaches and why."""

    level: Level
    reasons: tuple[Reason, ...]


def check_answers(plan: Plan, answers: Mapping[str, str]) -> None:
    """Raise UnknownAnswer for a question or option the plan does not have."""
    for question_id, option_id in answers.items():
        try:
            question = plan.question(question_id)
        except KeyError:
            raise UnknownAnswer(N_("error.unknown_question"), question=question_id) from None
        if option_id not in {option.id for option in question.options}:
            options = ", ".join(option.id for option in question.options)
            raise UnknownAnswer(
                N_("error.unknown_option"), question=question_id, option=option_id, options=options
            )


def grade(plan: Plan, answers: Mapping[str, str]) -> Grade:
    """The most severe level whose rule holds, else the default level; unanswered never holds."""
    check_answers(plan, answers)
    for level in reversed(plan.levels):
        if level.when is None:
            continue
        held = _evaluate(level, answers)
        if held is not None:
            return Grade(level, held)
    default = next(level for level in plan.levels if level.when is None)
    return Grade(default, ())


def _evaluate(level: Level, answers: Mapping[str, str]) -> tuple[Reason, ...] | None:
    assert level.when is not None
    conds = evaluate(level.when, answers)
    if conds is None:
        return None
    unique = dict.fromkeys(Reason(c.question, answers[c.question]) for c in conds)
    return tuple(unique)


def reason_text(plan: Plan, reason: Reason, lang: str) -> str:
    """A reason in the plan's own words: the option's ``reason``, else 'question: option'."""
    option = plan.option(reason.question, reason.option)
    if option.reason is not None:
        return option.reason.get(lang)
    question = plan.question(reason.question)
    return f"{question.text.get(lang).rstrip('?？')}: {option.text.get(lang)}"


def guidance(plan: Plan, answers: Mapping[str, str], lang: str) -> list[str]:
    """Handling guidance (分类处置) attached to the chosen options, in question order."""
    texts = []
    for question in plan.questions:
        chosen = answers.get(question.id)
        for option in question.options:
            if option.id == chosen and option.guidance is not None:
                texts.append(option.guidance.get(lang))
    return texts


def reasons_for(incident: Incident, plan: Plan) -> tuple[Reason, ...] | None:
    """Why the incident has its level, as graded; None when a leader set the level by hand.

    The reasons recorded at grading stand even if the plan's rules change later; incidents
    graded before they were recorded are graded again (by their answers' options, if those
    no longer grade).
    """
    graded = incident.extra.get(GRADED)
    if isinstance(graded, dict):
        level, pairs = graded.get("level"), graded.get("reasons") or []
        reasons = tuple(Reason(str(q), str(o)) for q, o in pairs)
    else:
        try:
            result = grade(plan, incident.answers)
        except UnknownAnswer:
            return tuple(Reason(q, o) for q, o in incident.answers.items())
        level, reasons = result.level.id, result.reasons
    return reasons if level == incident.level_id else None
