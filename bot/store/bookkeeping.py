"""The writes of a transaction that keep the books around the incidents: people, the update
marks, key-value pairs, the outbox and evidence files; bot/store/tx.py adds the incidents' own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.incident import Attachment
from bot.store import codec, outbox, queries, retention
from bot.store import evidence as evidence_rows
from bot.store.codec import to_text
from bot.store.records import NotFound
from bot.store.sql import Db


class Bookkeeping:
    """Write methods bound to one open transaction; refuses use after it has ended."""

    def __init__(self, db: Db) -> None:
        self._db: Db | None = db
        self.kv_written: set[str] = set()  # namespaces written to, for the store's memory

    def end(self) -> None:
        """Mark the transaction as over."""
        self._db = None

    @property
    def db(self) -> Db:
        """The connection, while the transaction is open."""
        if self._db is None:
            raise RuntimeError("this transaction has ended; open a new store.transaction()")
        return self._db

    async def upsert_person(
        self,
        key: str,
        username: str | None,
        display_name: str | None,
        seen_at: datetime,
        lang: str | None = None,
    ) -> None:
        """Insert or refresh a person; a None ``lang`` keeps the stored one."""
        await self.db.execute(
            "INSERT INTO people (key, username, display_name, lang, seen_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET username = excluded.username,"
            " display_name = excluded.display_name, seen_at = excluded.seen_at,"
            " lang = COALESCE(excluded.lang, people.lang)",
            (key, codec.username_key(username), display_name, lang, to_text(seen_at)),
        )

    async def claim_update(self, key: str, at: datetime) -> bool:
        """Mark an incoming update as processed; False if it already was."""
        inserted = await self.db.execute(
            "INSERT INTO processed_updates (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, to_text(at)),
        )
        return inserted == 1

    async def forget_updates(self, before: datetime) -> int:
        """Drop processed-update marks older than ``before``; return how many."""
        return await self.db.execute(
            "DELETE FROM processed_updates WHERE at < ?", (to_text(before),)
        )

    async def kv_get(self, namespace: str, key: str) -> Any:
        """The value under (namespace, key) as this transaction sees it (never from memory)."""
        return await queries.kv_get(self.db, namespace, key)

    async def kv_set(
        self, namespace: str, key: str, value: Any, at: datetime | None = None
    ) -> None:
        """Store a JSON-serialisable value under (namespace, key)."""
        self.kv_written.add(namespace)
        await self.db.execute(
            "INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            (namespace, key, codec.to_json(value), to_text(at or datetime.now(UTC))),
        )

    async def kv_delete(self, namespace: str, key: str) -> None:
        """Remove (namespace, key) if present."""
        self.kv_written.add(namespace)
        await self.db.execute("DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key))

    async def enqueue(
        self,
        chat: str,
        kind: str,
        payload: Mapping[str, Any],
        at: datetime,
        incident_id: int | None = None,
        claimed_by: str | None = None,
    ) -> int:
        """Owe a message to a chat (sent later by the transport); return its outbox id."""
        claimed_at = None if claimed_by is None else to_text(at)
        return await self.db.insert(
            "INSERT INTO outbox (chat, incident_id, kind, payload, created_at, claimed_by,"
            " claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                chat,
                incident_id,
                kind,
                codec.to_json(dict(payload)),
                to_text(at),
                claimed_by,
                claimed_at,
            ),
        )

    async def mark_sent(self, item_id: int, at: datetime, ref: str | None = None) -> None:
        """Record that an outbox message was delivered; NotFound if there is no such item."""
        changed = await self.db.execute(
            "UPDATE outbox SET sent_at = ?, ref = ? WHERE id = ?", (to_text(at), ref, item_id)
        )
        if changed != 1:
            raise NotFound(item=f"outbox {item_id}")

    async def park(self, item_id: int, at: datetime, reason: str) -> None:
        """Set an outbox message aside for good (it cannot be sent); NotFound if absent."""
        await outbox.park(self.db, item_id, at, reason)

    async def release_claims(self, owners: Collection[str] | None = None) -> int:
        """Forget the claims of ``owners`` (None: every one) on unsent messages; how many."""
        return await outbox.release(self.db, owners)

    async def claimers(self) -> set[str]:
        """The owners holding claims on unsent messages."""
        return await outbox.claimers(self.db)

    async def prune_sent(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` outbox messages sent before ``before``; return how many."""
        return await retention.prune_sent(self.db, before, limit)

    async def add_evidence(
        self,
        incident_id: int,
        files: Sequence[Attachment],
        source: str,
        actor: str | None,
        at: datetime,
    ) -> list[int]:
        """Owe a download of each file (photo, document, voice) sent with ``source``; ids."""
        return await evidence_rows.add(self.db, incident_id, files, source, actor, at)

    async def set_evidence(self, evidence_id: int, **fields: Any) -> None:
        """Change status, digest, size, attempts, next_try_at or reason; NotFound if absent."""
        await evidence_rows.update(self.db, evidence_id, fields)
