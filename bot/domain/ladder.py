"""The escalation ladder: which step a late task's reminder has climbed to, and whom it tags."""

from __future__ import annotations

from bot.domain.plan import EscalationStep, ReminderRules


def step_reached(rules: ReminderRules, step: EscalationStep, number: int) -> bool:
    """Whether the ``number``-th reminder (1 = at the deadline) has reached ``step``."""
    if number < 1:
        return False  # a warning before the deadline never escalates
    if step.reminders is not None:
        return number > step.reminders
    assert step.overdue is not None
    return rules.overdue_every * (number - 1) >= step.overdue


def step_of(rules: ReminderRules, number: int) -> int:
    """The highest ladder step (1-based; 0: none) the ``number``-th reminder has reached."""
    reached = [i + 1 for i, step in enumerate(rules.ladder()) if step_reached(rules, step, number)]
    return max(reached, default=0)


def step_roles(rules: ReminderRules, step: int) -> list[str]:
    """The roles one step adds (1-based)."""
    ladder = rules.ladder()
    return list(ladder[step - 1].to) if 0 < step <= len(ladder) else []


def climbed_roles(rules: ReminderRules, step: int) -> list[str]:
    """Every role tagged at ``step``: the ladder climbs, so lower rungs stay tagged."""
    roles: dict[str, None] = {}
    for rung in range(1, step + 1):
        roles.update(dict.fromkeys(step_roles(rules, rung)))
    return list(roles)


def step_number(rules: ReminderRules, step: int) -> int | None:
    """The reminder number (1 = at the deadline) from which ``step`` is reached (None: never)."""
    ladder = rules.ladder()
    if not 0 < step <= len(ladder):
        return None
    rung = ladder[step - 1]
    if rung.reminders is not None:
        return rung.reminders + 1
    assert rung.overdue is not None
    every = rules.overdue_every
    return 1 + -(-rung.overdue // every)  # the first reminder at or after the step's time
