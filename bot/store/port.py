"""The store port: what the service layer may ask of incident storage, whatever backs it.

Reads are methods of ``Store``; every write goes through ``async with store.transaction() as
tx`` and is committed on normal exit or rolled back entirely on any exception. All datetimes
must be timezone-aware (a naive one raises ValueError) and come back as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.errors import StoreError
from bot.domain.evidence import Evidence
from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.domain.messages import N_
from bot.domain.obligations import ObligationState, ObStatus


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


class Tx(Protocol):
    """The writes of one transaction; unusable once the transaction has ended."""

    async def create_incident(
        self,
        *,
        plan_id: str,
        chat: str,
        reporter: str,
        description: str,
        reported_at: datetime,
        attachments: Sequence[Attachment] = (),
        is_drill: bool = False,
        lang: str = "zh_CN",
        extra: Mapping[str, Any] | None = None,
        plan_digest: str | None = None,
    ) -> Incident:
        """Insert a REPORTED incident with the next number #N and version 0."""
        ...

    async def update_incident(self, incident_id: int, expected_version: int, **fields: Any) -> int:
        """Change columns if the version still matches; return the new version, else Conflict."""
        ...

    async def set_answer(
        self, incident_id: int, question: str, option: str, by: str | None, at: datetime
    ) -> None:
        """Record (or replace) the answer to one grading question."""
        ...

    async def clear_answers(self, incident_id: int) -> None:
        """Forget every answer of an incident."""
        ...

    async def save_obligations(self, incident_id: int, states: Sequence[ObligationState]) -> None:
        """Upsert obligation states by id, keeping submitted content and who met them."""
        ...

    async def set_obligation(
        self,
        incident_id: int,
        obligation_id: str,
        *,
        status: ObStatus | None = None,
        sent: int | None = None,
        met_at: datetime | None = None,
        met_by: str | None = None,
        content: str | None = None,
    ) -> None:
        """Change the given (non-None) fields of one obligation; NotFound if it is absent."""
        ...

    async def save_plan(
        self, digest: str, plan_id: str, body: Mapping[str, Any], at: datetime
    ) -> None:
        """Keep a copy of a plan (its JSON form) under its digest; an existing copy stays."""
        ...

    async def set_wakeups(self, times: Mapping[int, datetime | None]) -> None:
        """Record when incidents (by id) next need the clock (None: not until they change).

        Every other write to an incident, its answers or its obligations forgets this again.
        """
        ...

    async def add_approval(
        self,
        incident_id: int,
        *,
        kind: str,
        decision: Decision | str,
        actor: str,
        at: datetime,
        target: str | None = None,
        note: str | None = None,
    ) -> int:
        """Record an approver's decision; return its id."""
        ...

    async def add_event(self, event: TimelineEvent) -> int:
        """Append an event to the incident's timeline; return its id."""
        ...

    async def upsert_person(
        self,
        key: str,
        username: str | None,
        display_name: str | None,
        seen_at: datetime,
        lang: str | None = None,
    ) -> None:
        """Insert or refresh a person; a None ``lang`` keeps the stored one."""
        ...

    async def claim_update(self, key: str, at: datetime) -> bool:
        """Mark an incoming update as processed; False if it already was."""
        ...

    async def forget_updates(self, before: datetime) -> int:
        """Drop processed-update marks older than ``before``; return how many."""
        ...

    async def kv_set(
        self, namespace: str, key: str, value: Any, at: datetime | None = None
    ) -> None:
        """Store a JSON-serialisable value under (namespace, key)."""
        ...

    async def kv_delete(self, namespace: str, key: str) -> None:
        """Remove (namespace, key) if present."""
        ...

    async def enqueue(
        self,
        chat: str,
        kind: str,
        payload: Mapping[str, Any],
        at: datetime,
        incident_id: int | None = None,
        claimed_by: str | None = None,
    ) -> int:
        """Owe a message to a chat (sent later by the transport); return its outbox id.

        With ``claimed_by``, the message is claimed for that sender as it is written.
        """
        ...

    async def mark_sent(self, item_id: int, at: datetime, ref: str | None = None) -> None:
        """Record that an outbox message was delivered; NotFound if there is no such item."""
        ...

    async def park(self, item_id: int, at: datetime, reason: str) -> None:
        """Set an outbox message aside for good (it cannot be sent); NotFound if absent."""
        ...

    async def release_claims(self, owners: Collection[str] | None = None) -> int:
        """Forget the claims of ``owners`` (None: every one) on unsent messages; how many.

        Only for owners that are gone: the process leading the database finds them.
        """
        ...

    async def claimers(self) -> set[str]:
        """The owners holding claims on unsent messages."""
        ...

    async def prune_sent(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` outbox messages sent before ``before``; return how many.

        Unsent and parked messages stay; message refs for later edits are kept elsewhere.
        """
        ...

    async def add_evidence(
        self,
        incident_id: int,
        files: Sequence[Attachment],
        source: str,
        actor: str | None,
        at: datetime,
    ) -> list[int]:
        """Owe a download of each file (photo, document, voice) sent with ``source``; ids."""
        ...

    async def set_evidence(self, evidence_id: int, **fields: Any) -> None:
        """Change status, digest, size, attempts, next_try_at or reason; NotFound if absent."""
        ...


class Store(Protocol):
    """Incident storage: reads here, writes inside ``transaction()``."""

    def transaction(self, durable: bool = True) -> AbstractAsyncContextManager[Tx]:
        """One atomic unit of writes: committed on normal exit, rolled back on any exception.

        ``durable=False``: the commit returns before it is on disk, so a power cut (not a crash
        of the process) may lose it — only for bookkeeping a later run redoes (sent marks, the
        clock's wake-ups). A transaction that carries an update's riders is always durable.
        """
        ...

    async def close(self) -> None:
        """Release the storage; further use is an error."""
        ...

    async def __aenter__(self) -> Self:
        """Use the store as an async context manager that closes it."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        ...

    async def get_incident(self, incident_id: int) -> Incident | None:
        """The incident with answers, obligations and attachments, or None."""
        ...

    async def get_by_number(self, number: int) -> Incident | None:
        """The incident numbered #``number``, or None."""
        ...

    async def list_incidents(
        self,
        *,
        states: Collection[State] | None = None,
        chat: str | None = None,
        include_drills: bool = True,
    ) -> list[Incident]:
        """Incidents matching every given filter, by number."""
        ...

    async def timeline(self, incident_id: int) -> list[TimelineEvent]:
        """The incident's events, oldest first (ties in insertion order)."""
        ...

    async def approvals(self, incident_id: int) -> list[Approval]:
        """The incident's approval decisions, oldest first."""
        ...

    async def person(self, key: str) -> Person | None:
        """The person with this key, or None."""
        ...

    async def person_by_username(self, username: str) -> Person | None:
        """The most recently seen person with this username (case-insensitive, '@' optional)."""
        ...

    async def update_seen(self, key: str) -> bool:
        """Whether an incoming update was marked processed (``Tx.claim_update``)."""
        ...

    async def kv_get(self, namespace: str, key: str) -> Any:
        """The value stored under (namespace, key), or None."""
        ...

    async def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace, by key."""
        ...

    async def obligation_content(self, incident_id: int, obligation_id: str) -> str | None:
        """The content submitted for an obligation (e.g. a release draft), or None."""
        ...

    async def stored_plan(self, digest: str) -> dict[str, Any] | None:
        """The JSON form of the plan kept under ``digest``, or None."""
        ...

    async def pending(self, limit: int = 100, transport: str | None = None) -> list[OutboxItem]:
        """Unsent, unparked outbox messages, oldest first (only ``transport`` chats, if given)."""
        ...

    async def owed_upto(self, chat: str, upto: int, limit: int) -> list[OutboxItem]:
        """A chat's unsent, unparked messages with ids up to ``upto``, oldest first."""
        ...

    async def backlog(self, transport: str) -> tuple[int, datetime | None]:
        """How many messages ``transport`` owes (unsent, unparked), and when the oldest was made."""
        ...

    async def parked(self, limit: int = 100, transport: str | None = None) -> list[OutboxItem]:
        """Unsent messages set aside with their reasons, oldest first."""
        ...

    async def last_outbox_id(self) -> int:
        """The id of the newest outbox message (0 if there is none).

        Messages enqueued later get larger ids: what is owed at a moment is at or below it.
        """
        ...

    async def claim(
        self,
        owner: str,
        at: datetime,
        limit: int = 50,
        transport: str | None = None,
        per_chat: int | None = None,
    ) -> list[OutboxItem]:
        """Atomically take up to ``limit`` unsent, unparked messages for ``owner``, oldest first.

        Only messages nobody claimed or ``owner`` already claimed are taken; one claimed by
        another owner never is. With ``per_chat``, only each chat's oldest ``per_chat`` replies
        and oldest ``per_chat`` reminders (kinds ``reminder`` and ``follow_up``) are. Not for
        use inside a transaction (it is one).
        """
        ...

    async def wakeups_due(
        self,
        now: datetime,
        *,
        states: Collection[State],
        transport: str | None = None,
        limit: int | None = None,
    ) -> list[Incident]:
        """Incidents in ``states`` whose wake-up is by ``now`` or unknown; ``limit`` (None: all).

        Due ones come first, earliest first, so a due reminder never waits behind wake-ups
        still to be worked out; then the unknown ones, by id.
        """
        ...

    async def incidents_after(
        self, incident_id: int, *, states: Collection[State], transport: str | None, limit: int
    ) -> list[Incident]:
        """Up to ``limit`` incidents in ``states`` with an id above ``incident_id``, by id.

        Pages through the live incidents without holding them all (``transport``: its chats).
        """
        ...

    async def evidence(self, incident_id: int) -> list[Evidence]:
        """An incident's files, in the order they arrived."""
        ...

    async def evidence_owed(self, now: datetime, transport: str, limit: int = 20) -> list[Evidence]:
        """Files of ``transport``'s chats owed a download by ``now``, oldest first."""
        ...

    async def next_evidence_try(self, transport: str) -> datetime | None:
        """When ``transport``'s next owed download is due, if any is owed."""
        ...

    async def kept_bytes(self, incident_id: int) -> int:
        """The bytes an incident's kept files take (each distinct file once)."""
        ...

    async def next_wakeup(
        self, *, states: Collection[State], transport: str | None = None
    ) -> datetime | None:
        """The earliest recorded wake-up of incidents in ``states``, or None."""
        ...
