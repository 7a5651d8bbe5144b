"""The evidence archive: files people attach are downloaded in the background and kept.

Use cases record each attached file in their own transaction (``record``), so nothing is lost
to a crash; the ``Archivist`` then fetches what is owed through each messenger's FileSource,
keeps it on the ``Shelf`` by its sha256 and marks it kept. A failure is retried with backoff and,
after ``MAX_ATTEMPTS`` or when the messenger refuses, recorded as not kept with the reason; a
file over a size limit is recorded as too big. Either way the group is told, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.domain.access import Actor
from bot.domain.evidence import FILE_KINDS, Evidence, Kept
from bot.domain.incident import Attachment
from bot.domain.messages import N_
from bot.render.evidence import size_text
from bot.service.clock import Clock
from bot.service.files import FileSource, TooBig
from bot.service.outbox import notice
from bot.service.shelf import Shelf
from bot.service.transport import Refused
from bot.store import Store, Tx

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # about 4 minutes of retries (1 s, 2 s, 4 s … 128 s), then recorded as lost
MAX_WAIT = timedelta(minutes=10)  # look again at least this often
IDLE = timedelta(hours=1)


async def record(
    tx: Tx,
    incident_id: int,
    attached: Sequence[Attachment],
    source: str,
    actor: Actor,
    at: datetime,
) -> None:
    """Owe a download of each file among ``attached`` (links and quoted texts are not files)."""
    files = [item for item in attached if item.kind in FILE_KINDS]
    if files:
        await tx.add_evidence(incident_id, files, source, actor.key, at)


class Archivist:
    """Fetches owed evidence through each messenger that can, until kept or given up."""

    def __init__(
        self,
        store: Store,
        sources: Sequence[FileSource],
        shelf: Shelf,
        clock: Clock,
        told: Callable[[], None] = lambda: None,
    ) -> None:
        self.store, self.sources, self.shelf, self.clock = store, list(sources), shelf, clock
        self.told = told  # after a notice to a group is committed: deliver it now, not at idle
        self._wake = asyncio.Event()

    def poke(self) -> None:
        """Files may be owed: look soon."""
        self._wake.set()

    async def run(self) -> None:
        """Fetch what is owed, then wait for a poke or the next retry; until cancelled."""
        while True:
            self._wake.clear()
            try:
                next_at = await self.work()
            except Exception:  # the database, or a bug: keep the bot, try again shortly
                log.exception("the evidence archive could not work; it tries again shortly")
                next_at = self.clock.now() + timedelta(seconds=30)
            now = self.clock.now()
            wait = min(next_at - now, MAX_WAIT) if next_at else IDLE
            try:
                async with asyncio.timeout(max(wait.total_seconds(), 0.0)):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def work(self) -> datetime | None:
        """Fetch every file owed now; when the next retry is due (None: nothing owed)."""
        async with asyncio.TaskGroup() as group:  # side by side: WeCom's links last 5 minutes
            tasks = [group.create_task(self._work(source)) for source in self.sources]
        found = [task.result() for task in tasks]
        return min((at for at in found if at is not None), default=None)

    async def _work(self, source: FileSource) -> datetime | None:
        """Fetch every file owed now through one messenger; when its next retry is due."""
        while owed := await self.store.evidence_owed(self.clock.now(), source.name):
            for item in owed:
                await self.keep(source, item)
        return await self.store.next_evidence_try(source.name)

    async def keep(self, source: FileSource, item: Evidence) -> None:
        """Fetch one file and keep it, or record why not (or when to try again)."""
        try:
            data = await source.fetch(item.ref, self.shelf.max_file)
            if await self._incident_full(item, len(data)):
                return
            digest = await asyncio.to_thread(self.shelf.put, data)
        except TooBig as exc:
            await self._too_big(item, exc.size, self.shelf.max_file)
        except Refused as exc:
            await self._not_kept(item, Kept.LOST, str(exc), N_("notice.evidence_lost"))
        except Exception as exc:  # unreachable, a timeout, a full disk: try again later
            await self._failed(item, exc)
        else:
            await self._kept(item, digest, len(data))

    async def _incident_full(self, item: Evidence, size: int) -> bool:
        """Whether keeping ``size`` more bytes would pass the incident's limit (then say so)."""
        if await self.store.kept_bytes(item.incident_id) + size <= self.shelf.max_incident:
            return False
        params = {"size": size_text(size), "limit": size_text(self.shelf.max_incident)}
        key = N_("notice.evidence_incident_full")
        await self._record_not_kept(item, Kept.TOO_BIG, "incident limit", key, params, size)
        return True

    async def _kept(self, item: Evidence, digest: str, size: int) -> None:
        async with self.store.transaction() as tx:
            await tx.set_evidence(
                item.id,
                status=Kept.KEPT,
                digest=digest,
                size=size,
                attempts=item.attempts + 1,
                next_try_at=None,
                reason=None,
            )
        log.info("evidence %s of incident %s kept (%d bytes)", item.id, item.incident_id, size)

    async def _too_big(self, item: Evidence, size: int | None, limit: int) -> None:
        params = {"size": size_text(size), "limit": size_text(limit)}
        key = N_("notice.evidence_too_big")
        await self._record_not_kept(item, Kept.TOO_BIG, "file limit", key, params, size)

    async def _not_kept(self, item: Evidence, status: Kept, reason: str, key: str) -> None:
        await self._record_not_kept(item, status, reason, key, {})

    async def _failed(self, item: Evidence, exc: Exception) -> None:
        attempts = item.attempts + 1
        reason = f"{type(exc).__name__}: {exc}"
        if attempts >= MAX_ATTEMPTS:
            log.warning("evidence %s given up after %d tries: %s", item.id, attempts, reason)
            await self._not_kept(item, Kept.LOST, reason, N_("notice.evidence_lost"))
            return
        log.info("evidence %s not fetched (try %d): %s", item.id, attempts, reason)
        later = self.clock.now() + timedelta(seconds=2 ** (attempts - 1))
        async with self.store.transaction() as tx:
            await tx.set_evidence(item.id, attempts=attempts, next_try_at=later, reason=reason)

    async def _record_not_kept(
        self,
        item: Evidence,
        status: Kept,
        reason: str,
        key: str,
        params: dict[str, str],
        size: int | None = None,
    ) -> None:
        """Mark the file not kept and tell the incident's group, in one transaction."""
        async with self.store.transaction() as tx:
            await tx.set_evidence(
                item.id,
                status=status,
                attempts=item.attempts + 1,
                next_try_at=None,
                reason=reason,
                size=size if size is not None else item.size,
            )
            incident = await self.store.get_incident(item.incident_id)
            if incident is not None:
                named = {"file": item.name} if item.name else {"kind": item.kind}
                await notice(tx, incident, self.clock.now(), key, (), **named, **params)
        self.told()
        log.warning("evidence %s of incident %s not kept: %s", item.id, item.incident_id, reason)
