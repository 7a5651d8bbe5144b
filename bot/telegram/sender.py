"""Delivers the outbox to Telegram in order, keeping message ids so cards are edited in place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.domain.incident import Incident
from bot.i18n import Translator
from bot.render.doc import Doc
from bot.render.html import to_html
from bot.render.messages import compose
from bot.service.clock import Clock
from bot.service.outbox import Kind
from bot.service.plans import PlanBook
from bot.store import OutboxItem, Store

log = logging.getLogger(__name__)

REFS = "telegram_messages"  # kv namespace: card and question message ids
IDLE_SECONDS = 5.0  # how often the sender looks at the outbox without being poked


def markup(doc: Doc) -> InlineKeyboardMarkup | None:
    """The document's buttons as an inline keyboard."""
    if not doc.buttons:
        return None
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in doc.buttons
    ]
    return InlineKeyboardMarkup(rows)


def ref_key(item: OutboxItem) -> str | None:
    """Where the message id of an item's target message is kept (cards, questions)."""
    kind = Kind(item.kind)
    if kind is Kind.CARD:
        return f"card:{item.incident_id}"
    if kind in (Kind.QUESTION, Kind.ANSWERED):
        return f"question:{item.incident_id}:{item.payload['index']}"
    return None


class Sender:
    """Sends owed messages oldest first; a failure stops the queue until it can go on."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        plans: PlanBook,
        clock: Clock,
        lang: Callable[[str], Awaitable[str]],
    ) -> None:
        self.bot, self.store, self.plans, self.clock = bot, store, plans, clock
        self._lang = lang  # async (chat key) -> language code
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
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
            if not await self.drain():
                await asyncio.sleep(self.backoff)
                self.backoff = min(self.backoff * 2, 60.0)
                self._wake.set()  # try again right after the backoff, not at the next poke
            else:
                self.backoff = 1.0

    async def drain(self) -> bool:
        """Deliver everything pending; False if the API was unreachable (try again later)."""
        async with self._lock:
            while items := await self.store.pending(limit=50, transport="telegram"):
                for item in items:
                    try:
                        ref = await self.deliver(item)
                    except RetryAfter as exc:
                        log.warning("flood limit: waiting %s before resending", exc.retry_after)
                        await asyncio.sleep(_seconds(exc.retry_after))
                        return False
                    except NetworkError as exc:  # refusals were handled in deliver()
                        log.warning("Telegram unreachable (%s); will retry", exc)
                        return False
                    async with self.store.transaction() as tx:
                        await tx.mark_sent(item.id, self.clock.now(), ref)
                        key = ref_key(item)
                        if key and ref and Kind(item.kind) in (Kind.CARD, Kind.QUESTION):
                            await tx.kv_set(REFS, key, ref)
            return True

    async def deliver(self, item: OutboxItem) -> str | None:
        """Send or edit one item; return the Telegram message id it lives in."""
        incident = await self.store.get_incident(item.incident_id) if item.incident_id else None
        if incident is None:
            log.error("outbox item %s refers to no incident; dropped", item.id)
            return None
        doc = await self._compose(item, incident)
        chat_id = int(item.chat.split(":", 1)[1])
        try:
            return await self._send(item, doc, chat_id)
        except Forbidden as exc:
            log.error("cannot send to chat %s (%s); message %s dropped", chat_id, exc, item.id)
            return None
        except BadRequest as exc:
            log.error("Telegram refused message %s for chat %s: %s", item.id, chat_id, exc)
            return None

    async def _compose(self, item: OutboxItem, incident: Incident) -> Doc:
        plan = self.plans.get(incident.plan_id)
        t = Translator(await self._lang(item.chat))
        obligation = item.payload.get("obligation")
        content = None
        if Kind(item.kind) is Kind.APPROVAL and obligation:
            content = await self.store.obligation_content(incident.id, obligation)
        return compose(item, incident, plan, t, self.clock.now(), content)

    async def _send(self, item: OutboxItem, doc: Doc, chat_id: int) -> str | None:
        kind = Kind(item.kind)
        key = ref_key(item)
        existing = await self.store.kv_get(REFS, key) if key else None
        edit = (kind is Kind.ANSWERED) or (kind is Kind.CARD and not item.payload.get("announce"))
        texts = to_html(doc)
        if edit and existing and len(texts) == 1:
            try:
                await self.bot.edit_message_text(
                    texts[0],
                    chat_id=chat_id,
                    message_id=int(existing),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(doc),
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
            )
        return str(sent.message_id) if sent else None


def _seconds(value: Any) -> float:
    """A retry_after value (int seconds or timedelta) in seconds."""
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
