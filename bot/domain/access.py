"""Who is who in a plan, and who may do what: pure lookups against the plan's roles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.errors import DomainError
from bot.domain.messages import N_
from bot.domain.plan import Plan
from bot.domain.text import listed


class NotAllowed(DomainError):
    """The person holds none of the roles the plan requires for this action."""

    key = N_("error.not_allowed")


DRILL = "drill"  # a drill acts as the plan's people themselves: its user ids are person ids


@dataclass(frozen=True)
class Actor:
    """Someone acting in a chat: their messenger, and their id, username and name there if known."""

    transport: str
    user_id: str | None
    username: str | None = None
    name: str | None = None

    @property
    def display(self) -> str:
        """How to name this person in a message: name, else @username, else the id."""
        return self.name or (
            f"@{self.username.lstrip('@')}" if self.username else str(self.user_id)
        )

    @property
    def key(self) -> str:
        """The transport-qualified person key the store uses (``<messenger>:<user id>``)."""
        return f"{self.transport}:{self.user_id}"


def person_ids(plan: Plan, actor: Actor) -> list[str]:
    """The plan's person ids whose handle on the actor's messenger names the actor."""
    if actor.transport == DRILL:
        return [person_id for person_id in plan.people if person_id == actor.user_id]
    return [
        person_id
        for person_id, person in plan.people.items()
        if _names(person.handle(actor.transport), actor)
    ]


def _names(handle: int | str | None, actor: Actor) -> bool:
    """Whether a plan handle is this actor: the same id, or the same @username in any case."""
    if handle is None:
        return False
    if actor.user_id is not None and str(handle) == actor.user_id:
        return True
    if not (isinstance(handle, str) and handle.startswith("@")):
        return False
    username = (actor.username or "").lstrip("@").lower()
    return bool(username) and handle[1:].lower() == username


def roles_of(plan: Plan, actor: Actor) -> set[str]:
    """Every role the actor holds in the plan."""
    mine = set(person_ids(plan, actor))
    return {role_id for role_id, role in plan.roles.items() if mine & set(role.members)}


def require_role(plan: Plan, actor: Actor, allowed: list[str]) -> None:
    """Raise NotAllowed unless the actor holds one of ``allowed``; the error names those roles."""
    if roles_of(plan, actor) & set(allowed):
        return
    raise NotAllowed(roles=role_titles(plan, allowed, plan.language), role_ids=allowed)


def role_titles(plan: Plan, role_ids: Iterable[str], lang: str) -> str:
    """The roles' titles in ``lang``, listed as that language lists them."""
    return listed(
        (plan.roles[role].title.get(lang) for role in role_ids if role in plan.roles), lang
    )


def in_language(params: Mapping[str, Any], plan: Plan, lang: str) -> dict[str, Any]:
    """An error's parameters with the roles it names (``role_ids``) titled in ``lang``."""
    found = dict(params)
    role_ids = found.get("role_ids")
    if isinstance(role_ids, list):  # NotAllowed titles them in the plan's language
        found["roles"] = role_titles(plan, role_ids, lang)
    return found


def may_report(plan: Plan, actor: Actor) -> bool:
    """Anyone may report unless the plan's monitor role has members; then only they may."""
    monitor = plan.roles.get("monitor")
    if monitor is None or not monitor.members:
        return True
    return "monitor" in roles_of(plan, actor)
