"""The records the store port hands out and its own errors: approvals, people, outbox items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.errors import StoreError
from bot.domain.messages import N_


class Conflict(StoreError):
    """An optimistic write lost: the incident changed since the caller read it."""

    key = N_("error.store_conflict")


class NotFound(StoreError):
    """The record a write refers to does not exist."""

    key = N_("error.store_not_found")


class Decision(StrEnum):
    """What an approver decided."""

    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Approval:
    """One approver's decision about an incident (confirm, regrade, draft, review, …)."""

    incident_id: int
    kind: str  # "confirm" | "regrade" | "draft" | "review" | "cancel" | "close" | …
    decision: Decision
    actor: str
    at: datetime
    target: str | None = None  # e.g. the obligation id or the new level id
    note: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Person:
    """Someone the bot has seen, keyed by transport-qualified id ``<messenger>:<user id>``."""

    key: str
    username: str | None
    display_name: str | None
    seen_at: datetime
    lang: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    """A message owed to a chat: what kind, about which incident, with what data."""

    id: int
    chat: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    incident_id: int | None = None
    sent_at: datetime | None = None
    ref: str | None = None  # the transport's id for the sent message
    claimed_by: str | None = None  # the sender that took it for delivery
    parked_at: datetime | None = None  # set aside: it could not be drawn or sent
    park_reason: str | None = None
