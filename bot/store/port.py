"""The store port: what the service layer may ask of incident storage, whatever backs it.

Reads are methods of ``Store``; every write goes through ``async with store.transaction() as
tx`` (``Tx``, bot/store/txport.py) and is committed on normal exit or rolled back entirely on
any exception. All datetimes must be timezone-aware (a naive one raises ValueError) and come
back as aware UTC datetimes. The records it hands out are in bot/store/records.py.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.evidence import Evidence
from bot.domain.incident import Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.store.records import Approval, Conflict, Decision, NotFound, OutboxItem, Person
from bot.store.txport import Tx

__all__ = ["Approval", "Conflict", "Decision", "NotFound", "OutboxItem", "Person", "Store", "Tx"]


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

    async def keep(self, namespaces: Collection[str]) -> None:
        """Answer reads of these key-value namespaces (small, read often, seldom written) from
        memory where the store hears of every change to them: this process's at commit, other
        processes' moments after theirs. A store that cannot hear them keeps nothing."""
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
