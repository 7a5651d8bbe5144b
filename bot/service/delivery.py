"""The delivery engine: the outbox, in order, through any Transport, each message once.

Each message is claimed (under this engine's ``owner`` id) before it is sent, so no other
engine on the database sends it too. Chats the bot was removed from are skipped (their
messages dropped) until it is back. A message that cannot be drawn or sent for any other
reason than the network, a flood limit, a lost chat or the database is parked and logged
once, and the queue goes on. A database that cannot be written is logged once and retried;
a message the messenger accepted but that could not be recorded as sent is remembered here,
so it is not sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from bot.domain.errors import StoreError
from bot.domain.incident import Incident
from bot.i18n import Translator
from bot.render.messages import compose
from bot.service.clock import Clock
from bot.service.membership import gone_chats, mark_gone
from bot.service.outbox import Kind
from bot.service.resolve import PlanResolver
from bot.service.transport import CannotEdit, ChatGone, Outgoing, Refused, RetryLater, Transport
from bot.store import OutboxItem, Store

log = logging.getLogger(__name__)

IDLE_SECONDS = 5.0  # how often the engine looks at the outbox without being poked
BATCH = 50  # messages claimed at a time
MAX_BACKOFF = 60.0


def refs_namespace(transport: str) -> str:
    """The kv namespace of a transport's card and question message refs."""
    return f"{transport}_messages"


def ref_key(item: OutboxItem) -> str | None:
    """Where the ref of an item's target message is kept (cards, questions)."""
    kind = Kind(item.kind)
    if kind is Kind.CARD:
        return f"card:{item.incident_id}"
    if kind in (Kind.QUESTION, Kind.ANSWERED):
        return f"question:{item.incident_id}:{item.payload['index']}"
    return None


def replaces(item: OutboxItem) -> bool:
    """Whether the item edits the message it refers to rather than posting a new one."""
    kind = Kind(item.kind)
    return kind is Kind.ANSWERED or (kind is Kind.CARD and not item.payload.get("announce"))


async def release_claims(store: Store) -> None:
    """Free the outbox claims of earlier runs; only for a process holding the run lock."""
    async with store.transaction() as tx:
        released = await tx.release_claims()
    if released:
        log.info("%d message(s) claimed by an earlier run are owed again", released)


def new_owner() -> str:
    """An owner id for outbox claims, unique to one engine: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Delivery:
    """Sends one transport's owed messages oldest first; an outage holds the queue."""

    def __init__(
        self,
        transport: Transport,
        store: Store,
        plans: PlanResolver,
        clock: Clock,
        lang: Callable[[str], Awaitable[str]],
        owner: str | None = None,
    ) -> None:
        self.transport, self.store, self.plans, self.clock = transport, store, plans, clock
        self.owner = owner or new_owner()
        self._lang = lang  # async (chat key) -> language code
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._unrecorded: dict[int, str | None] = {}  # outbox id -> ref, sent but not marked
        self._slow: set[int] = set()  # outbox ids whose last send timed out
        self._store_down = False
        self._waited = False  # the last drain stopped for a flood limit it waited out
        self.backoff = 1.0
        self.refs = refs_namespace(transport.name)

    def poke(self) -> None:
        """Something was enqueued: deliver soon."""
        self._wake.set()

    async def send_now(self, chat: str, ids: Sequence[int]) -> None:
        """Send messages just written claimed for this engine (bot/service/sendnow.py) at once,
        if it is idle and nothing older waits in their chat; else on its next round."""
        if self._lock.locked():
            self.poke()
            return
        async with self._lock:
            done = await self._send_mine(chat, ids)
        if not done:
            self.poke()

    async def _send_mine(self, chat: str, ids: Sequence[int]) -> bool:
        """Send and record ``ids``; False when any is left to the engine's own round."""
        try:
            gone = chat in await gone_chats(self.store, self.transport.name)
            owed = [] if gone else await self.store.owed_upto(chat, max(ids), len(ids) + 1)
        except StoreError:
            return False
        if [item.id for item in owed] != sorted(ids) or gone:
            return False  # older messages wait there first (or these rolled back)
        sent: list[tuple[OutboxItem, str | None]] = []
        done = 0
        try:
            for item in owed:
                try:
                    sent.append((item, await self._deliver_once(item)))
                except RetryLater as exc:  # the engine waits or backs off, and tries again
                    if exc.timed_out:
                        self._slow.add(item.id)
                    break
                except ChatGone as exc:
                    await self._forget_chat(item, exc)
                    break
                except StoreError:
                    break
                except Exception as exc:  # a bug, as the engine would meet it: parked
                    await self._park(item, exc)
                done += 1
            await self._record_all(sent)
        except StoreError:  # what was sent is remembered (_unrecorded): the engine records it
            return False
        return done == len(owed)

    async def run(self) -> None:
        """Deliver until cancelled, waking on pokes and every few seconds."""
        while True:
            with suppress(TimeoutError):  # not wait_for: in 3.11 it can swallow a cancellation
                async with asyncio.timeout(IDLE_SECONDS):
                    await self._wake.wait()
            self._wake.clear()
            if await self._attempt():
                self.backoff = 1.0
            elif self._waited:  # a flood limit, waited out as asked: go on at once
                self._waited = False
                self._wake.set()
            else:
                await asyncio.sleep(self.backoff)
                self.backoff = min(self.backoff * 2, MAX_BACKOFF)
                self._wake.set()  # try again right after the backoff, not at the next poke

    async def _attempt(self) -> bool:
        """drain(), with a database that cannot be used logged once per outage."""
        try:
            done = await self.drain()
        except StoreError as exc:
            if not self._store_down:
                detail = exc.params.get("detail", exc.key)
                log.warning("database unavailable, messages wait until it is back: %s", detail)
            self._store_down = True
            return False
        if self._store_down:
            log.info("database available again: delivering")
            self._store_down = False
        return done

    async def drain(self) -> bool:
        """Deliver everything owed; False if the messenger asked to wait (try again later)."""
        name = self.transport.name
        async with self._lock:
            while items := await self.store.claim(self.owner, self.clock.now(), BATCH, name):
                for item in await self._skip_gone(items):
                    try:
                        await self._record(item, await self._deliver_once(item))
                    except RetryLater as exc:
                        await self._wait(item, exc)
                        return False
                    except ChatGone as exc:
                        await self._forget_chat(item, exc)
                        break  # read the queue again: the chat's other messages are skipped
                    except StoreError:
                        raise  # the whole queue waits for the database (see _attempt)
                    except Exception as exc:  # a bug, or a plan the message cannot be drawn by
                        await self._park(item, exc)
            return True

    async def _wait(self, item: OutboxItem, exc: RetryLater) -> None:
        """Log why the queue stops; wait as long as the messenger asked, if it said."""
        if exc.seconds is not None:
            log.warning("flood limit: waiting %s s before resending", exc.seconds)
            await asyncio.sleep(exc.seconds)
            self._waited = True
            return
        if exc.timed_out:
            self._slow.add(item.id)
        log.warning("%s unreachable (%s); will retry", self.transport.name, exc)

    async def _deliver_once(self, item: OutboxItem) -> str | None:
        """Deliver an item unless an earlier attempt did and only its recording failed."""
        if item.id in self._unrecorded:
            return self._unrecorded[item.id]
        ref = await self.deliver(item)
        self._unrecorded[item.id] = ref
        return ref

    async def _record(self, item: OutboxItem, ref: str | None) -> None:
        """Mark an item sent (with the message ref it lives in, for later edits)."""
        await self._record_all([(item, ref)])

    async def _record_all(self, sent: Sequence[tuple[OutboxItem, str | None]]) -> None:
        """Mark items sent, in one transaction (with the message ref each lives in)."""
        if not sent:
            return
        async with self.store.transaction() as tx:
            for item, ref in sent:
                await tx.mark_sent(item.id, self.clock.now(), ref)
                key = ref_key(item)
                if key and ref and Kind(item.kind) in (Kind.CARD, Kind.QUESTION):
                    await tx.kv_set(self.refs, key, ref)
        for item, _ in sent:
            self._forget(item)

    def _forget(self, item: OutboxItem) -> None:
        self._unrecorded.pop(item.id, None)
        self._slow.discard(item.id)

    async def _park(self, item: OutboxItem, exc: Exception) -> None:
        """Set aside an item that cannot be drawn or sent, with one log record of its context."""
        number = await self._number(item)
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        async with self.store.transaction() as tx:
            await tx.park(item.id, self.clock.now(), reason)
        self._forget(item)
        log.error(
            "outbox message %s (%s for chat %s, incident %s #%s) cannot be sent: parked (%s)",
            item.id,
            item.kind,
            item.chat,
            item.incident_id,
            number,
            reason,
            exc_info=exc,
        )

    async def _number(self, item: OutboxItem) -> int | None:
        """The number of the item's incident, for the log; None if it has none or is unreadable."""
        if item.incident_id is None:
            return None
        try:
            incident = await self.store.get_incident(item.incident_id)
        except StoreError:
            raise
        except Exception:  # the incident may be what cannot be read; the log says so anyway
            return None
        return incident.number if incident else None

    async def _skip_gone(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """Drop (mark sent, one log line per chat) the items owed to chats the bot left."""
        gone = await gone_chats(self.store, self.transport.name)
        dropped = [item for item in items if item.chat in gone]
        if not dropped:
            return items
        now = self.clock.now()
        async with self.store.transaction() as tx:
            for item in dropped:
                await tx.mark_sent(item.id, now, None)
        for chat, count in Counter(item.chat for item in dropped).items():
            log.warning("not in chat %s: %d owed message(s) dropped", chat, count)
        return [item for item in items if item.chat not in gone]

    async def _forget_chat(self, item: OutboxItem, exc: ChatGone) -> None:
        """Record that the bot is out of the item's chat, and drop the item."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            await mark_gone(tx, item.chat, str(exc), now)
            await tx.mark_sent(item.id, now, None)
        self._forget(item)
        log.warning(
            "removed from chat %s (%s): message %s dropped; nothing is sent there until the"
            " bot is added back",
            item.chat,
            exc,
            item.id,
        )

    async def deliver(self, item: OutboxItem) -> str | None:
        """Send or edit one item; return the ref of the message it lives in."""
        incident = await self.store.get_incident(item.incident_id) if item.incident_id else None
        if incident is None:
            log.error("outbox item %s refers to no incident; dropped", item.id)
            return None
        out = await self._outgoing(item, incident)
        try:
            return await self._send(item, out)
        except Refused as exc:
            log.error(
                "%s refused message %s for chat %s: %s", self.transport.name, item.id, out.chat, exc
            )
            return None

    async def _outgoing(self, item: OutboxItem, incident: Incident) -> Outgoing:
        """The item drawn for its chat in the chat's language, against the incident as it is."""
        plan = await self.plans.plan(incident)
        t = Translator(await self._lang(item.chat))
        obligation = item.payload.get("obligation")
        content = None
        if Kind(item.kind) is Kind.APPROVAL and obligation:
            content = await self.store.obligation_content(incident.id, obligation)
        doc = compose(item, incident, plan, t, self.clock.now(), content)
        chat = item.chat.split(":", 1)[1]
        return Outgoing(chat, doc, plan.people, item, slow=item.id in self._slow, lang=t.lang)

    async def _send(self, item: OutboxItem, out: Outgoing) -> str | None:
        """Edit the message the item replaces when there is one and it can be; else post."""
        key = ref_key(item) if replaces(item) else None
        existing = await self.store.kv_get(self.refs, key) if key else None
        if existing and self.transport.capabilities.edits:
            try:
                return await self.transport.edit(str(existing), out)
            except CannotEdit as exc:
                log.warning("could not edit message %s (%s); sending anew", existing, exc)
        if Kind(item.kind) is Kind.ANSWERED:
            return None  # nothing to edit and nothing new to say
        return await self.transport.send(out)
