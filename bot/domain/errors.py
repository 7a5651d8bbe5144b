"""The domain's exception tree: every expected error carries a message key and its parameters.

YuqingError
├── DomainError            rule of the plan or lifecycle broken by a request
│   ├── IllegalTransition  (state, event) not in the lifecycle table
│   └── UnknownAnswer      question or option that the plan does not have
├── PlanError              a plan file that cannot be used (with its problems)
└── StoreError             the database cannot be opened, read or written
    └── StoreUnavailable   locked, read-only, full or failing disk: may work again later

Handlers turn any YuqingError into a translated reply via ``key`` and ``params``;
anything else is a bug and goes to the one error handler that logs it. A StoreUnavailable
during an update is answered with ``StoreUnavailable.key`` (the action was not saved) and
logged in one line; the sender and the clock log it once, back off and retry.
"""

from __future__ import annotations

from typing import Any

from bot.domain.messages import N_


class YuqingError(Exception):
    """Base of every expected error; ``key`` names the message catalog entry."""

    key = N_("error.generic")

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(f"{self.key} {params}")


class DomainError(YuqingError):
    """A request that the plan or the incident lifecycle does not allow."""

    key = N_("error.domain")


class IllegalTransition(DomainError):
    """The lifecycle table has no entry for this (state, event)."""

    key = N_("error.illegal_transition")


class UnknownAnswer(DomainError):
    """A question or option id that the plan does not define."""

    key = N_("error.unknown_answer")


class PlanError(YuqingError):
    """A plan file that failed to load or validate; ``problems`` lists each finding."""

    key = N_("error.plan_invalid")

    def __init__(self, key: str | None = None, problems: list[Any] | None = None, **params: Any):
        super().__init__(key, **params)
        self.problems: list[Any] = problems or []


class StoreError(YuqingError):
    """The incident database cannot be used."""

    key = N_("error.store")


class StoreUnavailable(StoreError):
    """The database exists but cannot be used right now (locked, read-only, disk full or failing).

    ``key`` is the chat's reply (nothing was saved; try again); instances made from an SQLite
    error carry the specific cause's key for logs and the command line.
    """

    key = N_("error.store_unavailable")
