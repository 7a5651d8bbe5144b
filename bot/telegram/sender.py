"""Delivers the outbox to Telegram in order, keeping message ids so cards are edited in place."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from typing import Any

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.domain.errors import StoreError
from bot.domain.incident import Incident
from bot.domain.plan import Person, Plan
from bot.i18n import Translator
from bot.render.doc import Doc
from bot.render.messages import compose
from bot.service.clock import Clock
from bot.service.outbox import Kind
from bot.service.resolve import PlanResolver
from bot.store import OutboxItem, Store
from bot.telegram.html import markup, to_html

log = logging.getLogger(__name__)

REFS = "telegram_messages"  # kv namespace: card and question message ids
GONE = "telegram_gone_chats"  # kv namespace: chats the bot was removed from -> when and why
IDLE_SECONDS = 5.0  # how often the sender looks at the outbox without being poked
# A send whose answer timed out may have been delivered all the same; its retry waits this long,
# so a slow API gets the message twice at most rather than once per retry.
SLOW_READ_TIMEOUT = 60.0


class ChatGone(Exception):
    """Telegram says the bot is no longer in the chat (removed, or it left)."""


def removed(exc: Forbidden) -> bool:
    """Whether a 403 means the bot is out of the group (not e.g. a user who blocked it)."""
    text = str(exc).lower()
    return "kicked" in text or "not a member" in text


def ref_key(item: OutboxItem) -> str | None:
    """Where the message id of an item's target message is kept (cards, questions)."""
    kind = Kind(item.kind)
    if kind is Kind.CARD:
        return f"card:{item.incident_id}"
    if kind in (Kind.QUESTION, Kind.ANSWERED):
        return f"question:{item.incident_id}:{item.payload['index']}"
    return None


def new_owner() -> str:
    """An owner id for outbox claims, unique to one sender: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Sender:
    """Sends owed messages oldest first; an outage stops the queue until it can go on.

    Each message is claimed (under this sender's ``owner`` id) before it is sent, so no other
    sender on the database sends it too. Chats the bot was removed from are skipped (their
    messages dropped) until it is back. A message that cannot be drawn or sent for any other
    reason than the network, a flood limit, a lost chat or the database is parked and logged
    once, and the queue goes on. A database that cannot be written is logged once and retried;
    a message Telegram accepted but that could not be recorded as sent is remembered here, so
    it is not sent twice.
    """

    def __init__(
        self,
        bot: Bot,
        store: Store,
        plans: PlanResolver,
        clock: Clock,
        lang: Callable[[str], Awaitable[str]],
        owner: str | None = None,
    ) -> None:
        self.bot, self.store, self.plans, self.clock = bot, store, plans, clock
        self.owner = owner or new_owner()
        self._lang = lang  # async (chat key) -> language code
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._unrecorded: dict[int, str | None] = {}  # outbox id -> ref, sent but not marked
        self._slow: set[int] = set()  # outbox ids whose last send timed out
        self._store_down = False
        self.backoff = 1.0

    def poke(self) -> None:
        """Something was enqueued: deliver soon."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled, waking on pokes and every few seconds."""
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)
            self._wake.clear()
            if not await self._attempt():
                await asyncio.sleep(self.backoff)
                self.backoff = min(self.backoff * 2, 60.0)
                self._wake.set()  # try again right after the backoff, not at the next poke
            else:
                self.backoff = 1.0

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
        """Deliver everything owed; False if the API was unreachable (try again later)."""
        async with self._lock:
            while items := await self.store.claim(self.owner, self.clock.now(), 50, "telegram"):
                for item in await self._skip_gone(items):
                    try:
                        await self._record(item, await self._deliver_once(item))
                    except RetryAfter as exc:
                        wait = retry_seconds(exc)
                        log.warning("flood limit: waiting %s s before resending", wait)
                        await asyncio.sleep(wait)
                        return False
                    except NetworkError as exc:  # refusals were handled in deliver()
                        if isinstance(exc, TimedOut):
                            self._slow.add(item.id)
                        log.warning("Telegram unreachable (%s); will retry", exc)
                        return False
                    except ChatGone as exc:
                        await self._forget_chat(item, exc)
                        break  # read the queue again: the chat's other messages are skipped
                    except StoreError:
                        raise  # the whole queue waits for the database (see _attempt)
                    except Exception as exc:  # a bug, or a plan the message cannot be drawn by
                        await self._park(item, exc)
            return True

    async def _deliver_once(self, item: OutboxItem) -> str | None:
        """Deliver an item unless an earlier attempt did and only its recording failed."""
        if item.id in self._unrecorded:
            return self._unrecorded[item.id]
        ref = await self.deliver(item)
        self._unrecorded[item.id] = ref
        return ref

    async def _record(self, item: OutboxItem, ref: str | None) -> None:
        """Mark an item sent (with the message id it lives in, for later edits)."""
        async with self.store.transaction() as tx:
            await tx.mark_sent(item.id, self.clock.now(), ref)
            key = ref_key(item)
            if key and ref and Kind(item.kind) in (Kind.CARD, Kind.QUESTION):
                await tx.kv_set(REFS, key, ref)
        self._unrecorded.pop(item.id, None)
        self._slow.discard(item.id)

    async def _park(self, item: OutboxItem, exc: Exception) -> None:
        """Set aside an item that cannot be drawn or sent, with one log record of its context."""
        number = await self._number(item)
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        async with self.store.transaction() as tx:
            await tx.park(item.id, self.clock.now(), reason)
        self._unrecorded.pop(item.id, None)
        self._slow.discard(item.id)
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
        gone = await self.store.kv_items(GONE)
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
            await tx.kv_set(GONE, item.chat, {"at": now.isoformat(), "why": str(exc)}, now)
            await tx.mark_sent(item.id, now, None)
        self._unrecorded.pop(item.id, None)
        log.warning(
            "removed from chat %s (%s): message %s dropped; nothing is sent there until the"
            " bot is added back",
            item.chat,
            exc,
            item.id,
        )

    async def deliver(self, item: OutboxItem) -> str | None:
        """Send or edit one item; return the Telegram message id it lives in."""
        incident = await self.store.get_incident(item.incident_id) if item.incident_id else None
        if incident is None:
            log.error("outbox item %s refers to no incident; dropped", item.id)
            return None
        plan = await self.plans.plan(incident)
        doc = await self._compose(item, incident, plan)
        chat_id = int(item.chat.split(":", 1)[1])
        try:
            return await self._send(item, doc, chat_id, plan.people)
        except Forbidden as exc:
            if removed(exc):
                raise ChatGone(str(exc)) from exc
            log.error("cannot send to chat %s (%s); message %s dropped", chat_id, exc, item.id)
            return None
        except BadRequest as exc:
            log.error("Telegram refused message %s for chat %s: %s", item.id, chat_id, exc)
            return None

    async def _compose(self, item: OutboxItem, incident: Incident, plan: Plan) -> Doc:
        t = Translator(await self._lang(item.chat))
        obligation = item.payload.get("obligation")
        content = None
        if Kind(item.kind) is Kind.APPROVAL and obligation:
            content = await self.store.obligation_content(incident.id, obligation)
        return compose(item, incident, plan, t, self.clock.now(), content)

    async def _send(
        self, item: OutboxItem, doc: Doc, chat_id: int, people: Mapping[str, Person]
    ) -> str | None:
        kind = Kind(item.kind)
        key = ref_key(item)
        existing = await self.store.kv_get(REFS, key) if key else None
        edit = (kind is Kind.ANSWERED) or (kind is Kind.CARD and not item.payload.get("announce"))
        texts = to_html(doc, people)
        wait: dict[str, Any] = {"read_timeout": SLOW_READ_TIMEOUT} if item.id in self._slow else {}
        if edit and existing and len(texts) == 1:
            try:
                await self.bot.edit_message_text(
                    texts[0],
                    chat_id=chat_id,
                    message_id=int(existing),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(doc),
                    **wait,
                )
                return str(existing)
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return str(existing)
                log.warning("could not edit message %s (%s); sending anew", existing, exc)
        if kind is Kind.ANSWERED:
            return None  # nothing to edit and nothing new to say
        sent: Message | None = None
        for index, text in enumerate(texts):
            last = index == len(texts) - 1
            sent = await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(doc) if last else None,
                **wait,
            )
        return str(sent.message_id) if sent else None


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds."""
    # PTB 22 warns on reading retry_after that it becomes a timedelta in v23; both are handled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
