"""The delivery engine: the outbox, each chat in order, through any Transport, each message once.

Chats are served round-robin within the messenger's flood limits (bot/service/flood.py): a
chat that must wait is passed over, not waited on, and a chat's replies go before its queued
reminders. Each message is claimed (under this engine's ``owner`` id) before it is sent, so no other
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
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from enum import Enum

from bot.domain.errors import StoreError
from bot.domain.incident import Incident
from bot.i18n import Translator
from bot.render.messages import compose
from bot.service import setaside
from bot.service.clock import Clock
from bot.service.directsend import NOTHING, Known, SendsNow
from bot.service.flood import PACED, Gate, Rotation
from bot.service.outbox import Kind
from bot.service.owners import new_owner
from bot.service.resolve import PlanResolver
from bot.service.transport import CannotEdit, ChatGone, Outgoing, Refused, RetryLater, Transport
from bot.service.turns import Turns
from bot.store import OutboxItem, Store

log = logging.getLogger(__name__)

IDLE_SECONDS = 5.0  # how often the engine looks at the outbox without being poked
CLAIM = 10_000  # messages claimed at most at a time
PER_CHAT = 10  # of each chat's replies, and of its reminders, claimed at a time
MAX_BACKOFF = 60.0


class Pass(Enum):
    """How one pass over the outbox ended."""

    EMPTY = "empty"  # nothing was owed
    MORE = "more"  # messages went (or wait for a limit): look again
    DOWN = "down"  # the messenger or the database cannot be used: back off


class Step(Enum):
    """What became of one message the engine tried to deliver."""

    DONE = "done"  # sent, dropped or parked: off the queue
    HELD = "held"  # a flood limit: its chat waits as long as the messenger asked
    GONE = "gone"  # the bot is out of its chat
    DOWN = "down"  # the messenger cannot be reached: the whole queue waits


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


class Delivery(SendsNow):
    """Sends one transport's owed messages oldest first; an outage holds the queue."""

    def __init__(
        self,
        transport: Transport,
        store: Store,
        plans: PlanResolver,
        clock: Clock,
        lang: Callable[[str], Awaitable[str]],
        owner: str | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.transport, self.store, self.plans, self.clock = transport, store, plans, clock
        self.owner = owner or new_owner()
        self._lang = lang  # async (chat key) -> language code
        self._wake = asyncio.Event()
        self._pokes = 0  # how many times poked: a pass looks again when this moves
        self._lock = asyncio.Lock()  # one pass at a time
        self._turns: Turns[str] = Turns()
        self._taken: set[int] = set()
        self._unrecorded: dict[int, str | None] = {}  # outbox id -> ref, sent but not marked
        self._slow: set[int] = set()  # outbox ids whose last send timed out
        self._store_down = False
        self.gate = gate or Gate(transport.capabilities)
        self.backoff = 1.0
        self.refs = refs_namespace(transport.name)

    def poke(self) -> None:
        """Something was enqueued: deliver soon."""
        self._pokes += 1
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled, a pass at a time, waking on pokes and every few seconds."""
        seen, more = 0, False
        while True:
            if not more:
                await self._idle(IDLE_SECONDS, seen)
            seen = self._pokes
            found = await self._attempt()
            more = found is not Pass.EMPTY
            if found is Pass.DOWN:
                await asyncio.sleep(self.backoff)
                self.backoff = min(self.backoff * 2, MAX_BACKOFF)
            else:
                self.backoff = 1.0

    async def _idle(self, seconds: float, seen: int) -> None:
        """Wait ``seconds``, or less if poked after the ``seen``-th poke."""
        if self._pokes != seen:
            return
        self._wake.clear()
        with suppress(TimeoutError):  # not wait_for: in 3.11 it can swallow a cancellation
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    async def _attempt(self) -> Pass:
        """One pass over everything owed, with a database that cannot be used logged once."""
        try:
            found = await self._pass(None)
        except StoreError as exc:
            if not self._store_down:
                detail = exc.params.get("detail", exc.key)
                log.warning("database unavailable, messages wait until it is back: %s", detail)
            self._store_down = True
            return Pass.DOWN
        if self._store_down:
            log.info("database available again: delivering")
            self._store_down = False
        return found

    async def drain(self) -> bool:
        """Deliver what is owed now, then return; False if the messenger cannot be reached.

        Messages enqueued meanwhile are left to later (the running engine sends them), so this
        ends even while the clock enqueues faster than the flood limits let messages out.
        """
        horizon = await self.store.last_outbox_id()
        while (found := await self._pass(horizon)) is Pass.MORE:
            pass
        return found is Pass.EMPTY

    async def _pass(self, horizon: int | None) -> Pass:
        """Claim what is owed (up to ``horizon``) and send it; MORE when it should look again."""
        async with self._lock:
            seen, before = self._pokes, set(self._taken)
            try:
                rotation = Rotation(await self._claim(horizon), PER_CHAT, CLAIM)
                if not rotation:
                    return Pass.EMPTY
                return Pass.MORE if await self._serve(rotation, seen) else Pass.DOWN
            finally:  # taken before this pass claimed: it could not have claimed them
                self._taken -= before

    async def _claim(self, horizon: int | None) -> list[OutboxItem]:
        """Every chat's oldest owed messages: the whole burst, not a page of the oldest rows."""
        name = self.transport.name
        found = await self.store.claim(self.owner, self.clock.now(), CLAIM, name, per_chat=PER_CHAT)
        if horizon is not None:
            found = [item for item in found if item.id <= horizon]
        return await setaside.skip_gone(self.store, self.clock, self.transport.name, found)

    async def _serve(self, rotation: Rotation, seen: int) -> bool:
        """Send what the flood limits let through, chat by chat; False if unreachable.

        Returns to claim again when a chat's claimed messages ran out but it may owe more, when
        the bot leaves a chat and when poked (a reply may be owed, to go ahead of reminders).
        """
        while rotation:
            found = rotation.next(self.gate)
            if isinstance(found, float):
                await self._idle(found, seen)
                if self._pokes != seen:
                    return True
                continue
            step = await self._step(found)
            if step is Step.DOWN:
                return False
            if step is Step.GONE or self._pokes != seen:
                return True
            if step is Step.DONE and rotation.done(found):
                return True
        return True

    async def _step(self, item: OutboxItem) -> Step:
        """Deliver one item in its chat's turn, unless it went meanwhile; what became of it."""
        async with self._turns.turn(item.chat):
            if item.id in self._taken:  # sent at once (bot/service/directsend.py) meanwhile
                return Step.DONE
            return await self._step_in_turn(item)

    async def _step_in_turn(self, item: OutboxItem) -> Step:
        """Deliver one item; what became of it (held: the messenger asked to wait)."""
        paced = PACED.set(True)
        try:
            await self._record(item, await self._deliver_once(item))
        except RetryLater as exc:
            return self._retry(item, exc)
        except ChatGone as exc:
            await setaside.forget_chat(self.store, self.clock, item, exc)
            self._forget(item)
            return Step.GONE
        except StoreError:
            raise  # the whole queue waits for the database (see _attempt)
        except Exception as exc:  # a bug, or a plan the message cannot be drawn by
            await setaside.park(self.store, self.clock, item, exc)
            self._forget(item)
        finally:
            PACED.reset(paced)
        return Step.DONE

    def _retry(self, item: OutboxItem, exc: RetryLater) -> Step:
        """A flood limit holds the item's chat as long as asked; an outage holds the queue."""
        if exc.seconds is not None:
            log.warning("flood limit in chat %s: holding it %s s", item.chat, exc.seconds)
            self.gate.hold(item.chat, exc.seconds)
            return Step.HELD
        if exc.timed_out:
            self._slow.add(item.id)
        log.warning("%s unreachable (%s); will retry", self.transport.name, exc)
        return Step.DOWN

    async def _deliver_once(self, item: OutboxItem, known: Known = NOTHING) -> str | None:
        """Deliver an item unless an earlier attempt did and only its recording failed."""
        if item.id in self._unrecorded:
            return self._unrecorded[item.id]
        ref = await self.deliver(item, known)
        self._unrecorded[item.id] = ref
        return ref

    async def _record(self, item: OutboxItem, ref: str | None) -> None:
        """Mark an item sent (with the message ref it lives in, for later edits)."""
        await self._record_all([(item, ref)])

    async def _record_all(self, sent: Sequence[tuple[OutboxItem, str | None]]) -> None:
        """Mark items sent, in one transaction (with the message ref each lives in)."""
        if not sent:
            return
        # not synced: lost only to a power cut, which at worst sends these once more
        async with self.store.transaction(durable=False) as tx:
            for item, ref in sent:
                await tx.mark_sent(item.id, self.clock.now(), ref)
                key = ref_key(item)
                if key and ref and Kind(item.kind) in (Kind.CARD, Kind.QUESTION):
                    await tx.kv_set(self.refs, key, ref)
        for item, _ in sent:
            self._forget(item)

    def _forget(self, item: OutboxItem) -> None:
        self._taken.add(item.id)
        self._unrecorded.pop(item.id, None)
        self._slow.discard(item.id)

    async def deliver(self, item: OutboxItem, known: Known = NOTHING) -> str | None:
        """Send or edit one item; return the ref of the message it lives in. Its incident is
        read, unless ``known`` holds it as just committed."""
        incident = await self._incident(item, known)
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

    async def _incident(self, item: OutboxItem, known: Known) -> Incident | None:
        """The item's incident as it stands (None if it has none)."""
        if item.incident_id is None:
            return None
        return known.get(item.incident_id) or await self.store.get_incident(item.incident_id)

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
        self.gate.take(item.chat)  # edits are not counted against the flood limits
        return await self.transport.send(out)
