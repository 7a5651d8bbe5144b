"""The shipped plans, bound to a test chat, and people who act in them by role."""

from __future__ import annotations

from pathlib import Path

from bot.domain.access import Actor
from bot.domain.plan import Chats, Plan
from bot.planfile import load_plan

SHIPPED = sorted((Path(__file__).parent.parent / "plans").glob("*.yaml"))


def shipped(path: Path, chat: int) -> Plan:
    """A shipped plan that runs in ``chat``."""
    return load_plan(path).model_copy(update={"chats": Chats(telegram=[chat])})


def actor(plan: Plan, roles: list[str], transport: str = "telegram") -> Actor:
    """A person of the plan holding one of ``roles``, acting by their Telegram id."""
    for person_id in plan.members(roles):
        ref = plan.people[person_id].telegram
        if isinstance(ref, int):
            return Actor(ref, None, plan.people[person_id].name, transport)
    raise AssertionError(f"nobody with a numeric id holds {roles} in {plan.id}")


def walk(levels: list[str], start: str) -> list[str]:
    """From ``start`` up to the top, down to the bottom and up again: every step both ways."""
    top, bottom = levels[-1], levels[0]
    route = [*levels[levels.index(start) + 1 :], *reversed(levels[:-1]), *levels[1:]]
    assert route[-1] == top and bottom in route
    return route
