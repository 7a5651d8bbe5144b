"""The Store port's reads, in SQL both engines run; a store supplies the snapshot to read in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from bot.domain.evidence import Evidence
from bot.domain.incident import Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.store import codec, exact, outbox, queries, wakeups
from bot.store import evidence as evidence_rows
from bot.store.port import Approval, OutboxItem, Person
from bot.store.sql import Db


class SqlReads(ABC):
    """Every read method of the Store port over ``_reading()``, which each store supplies."""

    @abstractmethod
    def _reading(self) -> AbstractAsyncContextManager[Db]:
        """A consistent snapshot; inside the caller's own transaction, that one."""

    def _statement(self) -> AbstractAsyncContextManager[Db]:
        """For a read of one statement, which is consistent by itself: a store may save the
        snapshot's BEGIN and ROLLBACK."""
        return self._reading()

    async def get_incident(self, incident_id: int) -> Incident | None:
        """The incident with answers, obligations and attachments, or None."""
        async with self._reading() as db:
            found = await queries.incident(db, incident_id)
        if found is not None:
            exact.known(found)  # read whole: inside a transaction, as it stands there
        return found

    async def get_by_number(self, number: int) -> Incident | None:
        """The incident numbered #``number``, or None."""
        async with self._reading() as db:
            return await queries.by_number(db, number)

    async def list_incidents(
        self,
        *,
        states: Collection[State] | None = None,
        chat: str | None = None,
        include_drills: bool = True,
    ) -> list[Incident]:
        """Incidents matching every given filter, by number."""
        async with self._reading() as db:
            return await queries.listing(db, states, chat, include_drills)

    async def timeline(self, incident_id: int) -> list[TimelineEvent]:
        """The incident's events, oldest first (ties in insertion order)."""
        async with self._statement() as db:
            return await queries.timeline(db, incident_id)

    async def approvals(self, incident_id: int) -> list[Approval]:
        """The incident's approval decisions, oldest first."""
        async with self._statement() as db:
            return await queries.approvals(db, incident_id)

    async def person(self, key: str) -> Person | None:
        """The person with this key, or None."""
        async with self._statement() as db:
            return await queries.person(db, key)

    async def person_by_username(self, username: str) -> Person | None:
        """The most recently seen person with this username (case-insensitive, '@' optional)."""
        async with self._statement() as db:
            return await queries.person_by_username(db, username)

    async def update_seen(self, key: str) -> bool:
        """Whether an incoming update was marked processed (``Tx.claim_update``)."""
        async with self._statement() as db:
            return await queries.update_seen(db, key)

    async def _kept(self, namespace: str) -> Mapping[str, str] | None:
        """A namespace's stored texts by key where the store keeps it in memory (see
        ``keep``); None: read it from the database."""
        return None

    async def kv_get(self, namespace: str, key: str) -> Any:
        """The value stored under (namespace, key), or None."""
        kept = await self._kept(namespace)
        if kept is not None:
            text = kept.get(key)
            return None if text is None else codec.from_json(text)
        async with self._statement() as db:
            return await queries.kv_get(db, namespace, key)

    async def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace, by key."""
        texts = await self._kept(namespace)
        if texts is None:
            async with self._statement() as db:
                texts = await queries.kv_texts(db, namespace)
        return {key: codec.from_json(text) for key, text in texts.items()}  # by key, as read

    async def obligation_content(self, incident_id: int, obligation_id: str) -> str | None:
        """The content submitted for an obligation (e.g. a release draft), or None."""
        async with self._statement() as db:
            return await queries.obligation_content(db, incident_id, obligation_id)

    async def stored_plan(self, digest: str) -> dict[str, Any] | None:
        """The JSON form of the plan kept under ``digest``, or None."""
        async with self._statement() as db:
            return await queries.stored_plan(db, digest)

    async def pending(self, limit: int = 100, transport: str | None = None) -> list[OutboxItem]:
        """Unsent, unparked outbox messages, oldest first (only ``transport`` chats, if given)."""
        async with self._statement() as db:
            return await outbox.pending(db, limit, transport)

    async def owed_upto(self, chat: str, upto: int, limit: int) -> list[OutboxItem]:
        """A chat's unsent, unparked messages with ids up to ``upto``, oldest first."""
        async with self._statement() as db:
            return await outbox.owed_upto(db, chat, upto, limit)

    async def parked(self, limit: int = 100, transport: str | None = None) -> list[OutboxItem]:
        """Unsent messages set aside with their reasons, oldest first."""
        async with self._statement() as db:
            return await outbox.parked(db, limit, transport)

    async def backlog(self, transport: str) -> tuple[int, datetime | None]:
        """How many messages ``transport`` owes (unsent, unparked), and when the oldest was made."""
        async with self._statement() as db:
            return await outbox.backlog(db, transport)

    async def last_outbox_id(self) -> int:
        """The id of the newest outbox message (0 if there is none)."""
        async with self._reading() as db:
            return await outbox.last_id(db)

    async def wakeups_due(
        self,
        now: datetime,
        *,
        states: Collection[State],
        transport: str | None = None,
        limit: int | None = None,
    ) -> list[Incident]:
        """Incidents in ``states`` whose wake-up is unknown or by ``now``, earliest first."""
        async with self._reading() as db:
            return await wakeups.due(db, now, states, transport, limit)

    async def incidents_after(
        self, incident_id: int, *, states: Collection[State], transport: str | None, limit: int
    ) -> list[Incident]:
        """Up to ``limit`` incidents in ``states`` with an id above ``incident_id``, by id."""
        async with self._reading() as db:
            return await wakeups.after(db, incident_id, states, transport, limit)

    async def next_wakeup(
        self, *, states: Collection[State], transport: str | None = None
    ) -> datetime | None:
        """The earliest recorded wake-up of incidents in ``states``, or None."""
        async with self._statement() as db:
            return await wakeups.earliest(db, states, transport)

    async def evidence(self, incident_id: int) -> list[Evidence]:
        """An incident's files, in the order they arrived."""
        async with self._statement() as db:
            return await evidence_rows.of_incident(db, incident_id)

    async def evidence_owed(self, now: datetime, transport: str, limit: int = 20) -> list[Evidence]:
        """Files of ``transport``'s chats owed a download by ``now``, oldest first."""
        async with self._statement() as db:
            return await evidence_rows.owed(db, now, transport, limit)

    async def next_evidence_try(self, transport: str) -> datetime | None:
        """When ``transport``'s next owed download is due, if any is owed."""
        async with self._statement() as db:
            return await evidence_rows.next_try(db, transport)

    async def kept_bytes(self, incident_id: int) -> int:
        """The bytes an incident's kept files take (each distinct file once)."""
        async with self._statement() as db:
            return await evidence_rows.kept_bytes(db, incident_id)
