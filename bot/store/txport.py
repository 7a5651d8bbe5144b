"""The write side of the store port: the writes of one transaction (``Tx``).

Every write goes through ``async with store.transaction() as tx`` (bot/store/port.py) and is
committed on normal exit or rolled back entirely on any exception.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.obligations import ObligationState, ObStatus
from bot.store.records import Decision


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

    async def kv_get(self, namespace: str, key: str) -> Any:
        """The value under (namespace, key) as this transaction sees it (never from memory).

        A check before a write reads here: the store's kept namespaces may not yet have heard
        another process's commit, which the writer's lock has already waited for.
        """
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
