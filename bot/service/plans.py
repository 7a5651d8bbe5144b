"""The plans a deployment runs, and which chat runs which plan."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import DomainError, PlanError
from bot.domain.messages import N_
from bot.domain.plan import Plan
from bot.planfile import load_plan, plan_files
from bot.store.codec import to_json


class UnknownChat(DomainError):
    """A chat that no plan lists."""

    key = N_("error.unknown_chat")


class PlanBook:
    """Plans by id, and the plan bound to each chat key (``<messenger>:<chat id>``)."""

    def __init__(self, plans: Iterable[Plan]) -> None:
        self._plans: dict[str, Plan] = {}
        self._chats: dict[str, str] = {}
        self._snapshots: dict[str, tuple[str, dict[str, Any]]] = {}
        for plan in plans:
            if plan.id in self._plans:
                raise PlanError(N_("error.plan_duplicate_id"), plan=plan.id)
            self._plans[plan.id] = plan
            for key in plan.chats.keys():  # noqa: SIM118 - Chats is a model, not a dict
                if key in self._chats:
                    raise PlanError(
                        N_("error.chat_bound_twice"),
                        chat=key,
                        plans=f"{self._chats[key]}, {plan.id}",
                    )
                self._chats[key] = plan.id

    @classmethod
    def load(cls, path: Path, default_timezone: str | None = None) -> PlanBook:
        """Load every plan at ``path`` (a file or a folder); PlanError on the first bad one.

        ``default_timezone`` (YUQING_TIMEZONE) applies to plans that set no ``timezone``.
        """
        if not path.exists():
            raise PlanError(N_("error.plans_missing"), path=str(path))
        files = plan_files(path)
        if not files:
            raise PlanError(N_("error.no_plans"), path=str(path))
        plans = [load_plan(file) for file in files]
        if default_timezone:
            try:
                ZoneInfo(default_timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise PlanError(N_("error.bad_timezone_setting"), value=default_timezone) from None
            plans = [
                plan
                if "timezone" in plan.model_fields_set
                else plan.model_copy(update={"timezone": default_timezone})
                for plan in plans
            ]
        return cls(plans)

    def get(self, plan_id: str) -> Plan:
        """The plan with this id (KeyError if absent)."""
        return self._plans[plan_id]

    def current(self, plan_id: str, chat: str) -> Plan | None:
        """The plan an incident runs under now: its own, else its chat's (a renamed plan)."""
        return self._plans.get(plan_id) or self._plans.get(self._chats.get(chat, ""))

    def snapshot(self, plan: Plan) -> tuple[str, dict[str, Any]]:
        """A plan's digest and JSON form, kept with the incidents it schedules."""
        loaded = self._plans.get(plan.id) is plan
        if loaded and plan.id in self._snapshots:
            return self._snapshots[plan.id]
        body = plan.model_dump(mode="json", by_alias=True)
        found = (hashlib.sha256(to_json(body).encode()).hexdigest()[:16], body)
        if loaded:
            self._snapshots[plan.id] = found
        return found

    def for_chat(self, chat: str) -> Plan:
        """The plan bound to a chat; UnknownChat if none is."""
        try:
            return self._plans[self._chats[chat]]
        except KeyError:
            raise UnknownChat(chat=chat) from None

    def bind(self, chat: str, plan_id: str) -> None:
        """Bind one more chat (a drill's virtual chat) to a loaded plan."""
        self.get(plan_id)
        self._chats[chat] = plan_id

    def chats(self) -> dict[str, str]:
        """Chat key -> plan id for every bound chat."""
        return dict(self._chats)

    def __iter__(self) -> Iterator[Plan]:
        """Every plan, in load order."""
        return iter(self._plans.values())
