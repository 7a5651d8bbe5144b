"""An open incident against a plan edited since: what no longer maps, and a plan that fits it.

The office may rename or remove a question, an option, a level, a task, a role or the plan
itself while incidents are open. The incident keeps what it was graded with: whatever the plan
no longer has is taken from the plan as stored with the incident (its names), else made up from
the stored id, and listed as drift so the group can be told once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.messages import N_
from bot.domain.obligations import REVIEW_ID, spec_for
from bot.domain.plan import Level, Obligation, Option, Person, Plan, Question, Role
from bot.domain.series import find_series, parse_instance
from bot.domain.text import LText


class PlanGone(DomainError):
    """The incident's plan is no longer loaded, and no copy of it was stored."""

    key = N_("error.plan_gone")


class DriftKind(StrEnum):
    """What kind of thing an incident refers to that the plan no longer has."""

    PLAN = "plan"
    LEVEL = "level"
    TASK = "task"
    QUESTION = "question"
    OPTION = "option"
    ROLE = "role"


@dataclass(frozen=True)
class Drift:
    """One thing that no longer maps: its id, the name it had (if stored), its question."""

    kind: DriftKind
    id: str
    name: LText | None = None
    question: str | None = None  # for an option

    def shown(self, lang: str) -> str:
        """How to name it: the stored name, else the id."""
        return self.name.get(lang) if self.name is not None else self.id


@dataclass(frozen=True)
class Fitted:
    """A plan that has everything the incident refers to, and what had to be added to it."""

    plan: Plan
    drift: tuple[Drift, ...] = ()

    def retired(self, kind: DriftKind, item: str) -> bool:
        """Whether ``item`` of ``kind`` is only in this plan because the incident refers to it."""
        return any(d.kind is kind and d.id == item for d in self.drift)


@dataclass(frozen=True)
class Impact:
    """What a plan edit means for one open incident."""

    drift: tuple[Drift, ...] = ()  # what it refers to that the plan no longer has
    gone: bool = False  # its plan is not loaded and its chat runs no other: no more reminders
    asked_again: bool = False  # still being graded, and the questions changed: asked again

    @property
    def affected(self) -> bool:
        """Whether the edit changes anything for the incident."""
        return bool(self.drift) or self.gone or self.asked_again


def answers_fit(plan: Plan, answers: dict[str, str]) -> bool:
    """Whether answers given so far are the plan's first questions, each with one of its options."""
    asked = plan.questions[: len(answers)]
    if [question.id for question in asked] != list(answers):
        return False
    return all(answers[q.id] in {option.id for option in q.options} for q in asked)


def impact(incident: Incident, fitted: Fitted, current: Plan | None) -> Impact:
    """What an edit of the plan (``current``: the plan now loaded for it) means for ``incident``."""
    if incident.state is State.REPORTED:  # nothing stored yet but the answers
        again = current is not None and not answers_fit(current, incident.answers)
        return Impact(gone=current is None, asked_again=again)
    return Impact(fitted.drift, gone=current is None)


def fit(current: Plan | None, stored: Plan | None, incident: Incident) -> Fitted:
    """``current`` completed with what ``incident`` refers to and it lacks (PlanGone if none)."""
    base = current or stored
    if base is None:
        raise PlanGone(number=incident.number, plan=incident.plan_id)
    work = _Work(base, stored)
    if current is None or current.id != incident.plan_id:
        work.note(DriftKind.PLAN, incident.plan_id, stored.title if stored else None)
    work.level(incident)
    work.tasks(incident)
    work.answers(incident)
    work.roles(incident)
    if not work.drift:
        return Fitted(base)
    return Fitted(work.build(), tuple(work.drift))


@dataclass
class _Work:
    """The pieces of the fitted plan while they are being completed."""

    base: Plan
    stored: Plan | None
    drift: list[Drift] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.levels = list(self.base.levels)
        self.questions = list(self.base.questions)
        self.roles_ = dict(self.base.roles)
        self.people = dict(self.base.people)
        if self.stored is not None:  # names of people the plan dropped (no handle: no mention)
            for key, person in self.stored.people.items():
                self.people.setdefault(key, Person(name=person.name))

    def note(
        self, kind: DriftKind, item: str, name: LText | None, question: str | None = None
    ) -> None:
        """Record one thing that no longer maps."""
        self.drift.append(Drift(kind, item, name, question))

    def build(self) -> Plan:
        """The completed plan."""
        update = {
            "levels": self.levels,
            "questions": self.questions,
            "roles": self.roles_,
            "people": self.people,
        }
        return self.base.model_copy(update=update)

    def _stored_level(self, level_id: str) -> Level | None:
        if self.stored is None or level_id not in self.stored.level_ids:
            return None
        return self.stored.level(level_id)

    def level(self, incident: Incident) -> None:
        """A level the plan lost: the stored one, decided by any level's approvers."""
        level_id = incident.level_id
        if level_id is None or level_id in self.base.level_ids:
            return
        found = self._stored_level(level_id)
        approvers = list(dict.fromkeys(r for lv in self.base.levels for r in lv.approve))
        made = found or Level.model_construct(id=level_id, name=LText(level_id), approve=[])
        self.levels.append(made.model_copy(update={"approve": approvers, "when": None}))
        self.note(DriftKind.LEVEL, level_id, found.name if found else None)

    def tasks(self, incident: Incident) -> None:
        """Tasks the plan lost: added to the incident's level, as stored."""
        level_id = incident.level_id
        if level_id is None:
            return
        known = {spec.id for lv in self.base.levels for spec in lv.obligations} | {REVIEW_ID}
        known |= {ob.id for ob in incident.obligations if _report_known(self.base, ob.id)}
        index = [lv.id for lv in self.levels].index(level_id)
        level = self.levels[index]
        present = {spec.id for spec in level.obligations}
        added = []
        for ob in (ob for ob in incident.obligations if ob.id not in known):
            spec = _stored_task(self.stored, ob.level or level_id, ob.id)
            self.note(DriftKind.TASK, ob.id, spec.text if spec else None)
            if ob.id in present:
                continue
            if spec is None:
                within = ob.due_at - incident.reported_at if ob.due_at else timedelta(0)
                spec = Obligation.model_construct(
                    id=ob.id, text=LText(ob.id), owner=ob.owner, within=within
                )
            elif spec.approval and not set(spec.approval) & set(self.base.roles):
                spec = spec.model_copy(update={"approval": list(level.approve)})
            added.append(spec.model_copy(update={"owner": ob.owner}))
        if added:
            obligations = [*level.obligations, *added]
            self.levels[index] = level.model_copy(update={"obligations": obligations})

    def answers(self, incident: Incident) -> None:
        """Questions and options the plan lost, as stored, so the answers can be shown."""
        for question_id, option_id in incident.answers.items():
            ids = [q.id for q in self.questions]
            old = _stored_question(self.stored, question_id)
            if question_id not in ids:
                options = [_option(old, option_id)]
                text = old.text if old else LText(question_id)
                made = Question.model_construct(id=question_id, text=text, options=options)
                self.questions.append(made)
                self.note(DriftKind.QUESTION, question_id, old.text if old else None)
                continue
            index = ids.index(question_id)
            question = self.questions[index]
            if option_id in {o.id for o in question.options}:
                continue
            option = _option(old, option_id)
            grown = question.model_copy(update={"options": [*question.options, option]})
            self.questions[index] = grown
            stored = option.text if _stored_option(old, option_id) else None
            self.note(DriftKind.OPTION, option_id, stored, question_id)

    def roles(self, incident: Incident) -> None:
        """Roles the plan lost that the incident's level or its lost tasks name: titled, empty.

        A task the plan still has is done by the role the plan now gives it.
        """
        if incident.level_id is None:
            return
        level = next(lv for lv in self.levels if lv.id == incident.level_id)
        owners = [spec.owner for spec in level.obligations]
        for role_id in dict.fromkeys([*level.approve, *level.notify, *owners]):
            if role_id in self.roles_:
                continue
            old = self.stored.roles.get(role_id) if self.stored else None
            self.roles_[role_id] = Role(title=old.title if old else LText(role_id))
            self.note(DriftKind.ROLE, role_id, old.title if old else None)


def _report_known(plan: Plan, obligation_id: str) -> bool:
    """A progress report of a series the plan still has (at any level)."""
    parsed = parse_instance(obligation_id)
    return parsed is not None and find_series(plan, None, parsed[0]) is not None


def _stored_task(stored: Plan | None, level_id: str, obligation_id: str) -> Obligation | None:
    if stored is None:
        return None
    try:
        return spec_for(stored, level_id, obligation_id)  # any level, if stored has not this one
    except KeyError:
        return None


def _stored_question(stored: Plan | None, question_id: str) -> Question | None:
    if stored is None:
        return None
    return next((q for q in stored.questions if q.id == question_id), None)


def _stored_option(question: Question | None, option_id: str) -> Option | None:
    options = question.options if question else []
    return next((option for option in options if option.id == option_id), None)


def _option(question: Question | None, option_id: str) -> Option:
    """The stored option, else one named by its id."""
    return _stored_option(question, option_id) or Option(id=option_id, text=LText(option_id))
