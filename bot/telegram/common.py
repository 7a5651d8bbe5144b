"""Shared handler plumbing: turning expected errors into translated replies, and follow-ups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from functools import wraps
from html import escape
from typing import Any

from telegram import Update
from telegram.constants import ParseMode

from bot.domain.errors import StoreError, StoreUnavailable, YuqingError
from bot.i18n import Translator
from bot.service import sendnow
from bot.service.seen import AlreadyProcessed
from bot.store import riders
from bot.telegram.runtime import Context, Runtime, chat_key, client, runtime

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
_ALONGSIDE: ContextVar[list[Coroutine[Any, Any, None]] | None] = ContextVar(
    "alongside", default=None
)


def message(key: str, t: Translator, **params: Any) -> str:
    """A translated message with its parameters HTML-escaped."""
    return t(key, **{name: escape(str(value), quote=False) for name, value in params.items()})


async def say(update: Update, context: Context, key: str, **params: Any) -> None:
    """Reply in the chat's language to the message that caused the update."""
    rt = runtime(context)
    try:
        t = await rt.translator(chat_key(update))
    except StoreError:  # the chat's language is in the database; answer anyway
        t = Translator()
    if update.callback_query is not None:  # an alert: plain text
        await client(context).answer(update.callback_query.id, t(key, **params))
    elif update.effective_message is not None:
        text = message(key, t, **params)
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


async def tell(update: Update, context: Context, text: str) -> None:
    """Reply with plain text: an alert to a button press, else a reply to the message."""
    if update.callback_query is not None:
        await client(context).answer(update.callback_query.id, text)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(
            escape(text, quote=False), parse_mode=ParseMode.HTML
        )


async def not_saved(update: object, context: Context, exc: StoreError) -> None:
    """One log line and a reply that the update's action was not saved (database unusable)."""
    number = update.update_id if isinstance(update, Update) else None
    log.warning("database unavailable, update %s not saved: %s", number, exc.params.get("detail"))
    riders.drop()  # not even the mark that it was seen: the same update may be tried again
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await say(update, context, StoreUnavailable.key)
    except Exception as error:  # Telegram may be unreachable too; the log line is enough
        log.warning("could not tell chat %s: %s", update.effective_chat.id, error)


async def settled(rt: Runtime) -> None:
    """The update's mark written, if no transaction took it: the clock's never carries it."""
    try:
        await riders.settle(rt.service.store.transaction)
    except (AlreadyProcessed, StoreError) as exc:
        log.warning("update not marked processed: %s", exc)


def use_case(handler: Handler) -> Handler:
    """Run a handler; expected errors become translated replies; changes are delivered.

    The messages its use case owes the chat are sent right after the use case commits
    (bot/service/sendnow.py); the update's mark, the clock's tick and the rest come after.
    """

    @wraps(handler)
    async def wrapped(update: Update, context: Context) -> None:
        rt = runtime(context)
        # a follower's engine does not run: what it writes is left to the leader's (told below)
        mine = rt.deliveries if rt.leading else {}
        later: list[Coroutine[Any, Any, None]] = []
        token = _ALONGSIDE.set(later)
        try:
            with sendnow.claiming(mine) as claimed:
                done = await _guarded(handler, update, context)
        except BaseException:
            for work in later:  # never to run: closed, not left for the garbage collector
                work.close()
            raise
        finally:
            _ALONGSIDE.reset(token)
        # first what it said (and its acknowledgement, at the same time), then bookkeeping
        ended = await _together([sendnow.deliver(mine, claimed), *later])
        if done:
            await settled(rt)
            await rt.changed()
        for outcome in ended:
            if isinstance(outcome, BaseException):
                raise outcome  # to the error handler, as if the handler had raised it

    return wrapped


async def _together(works: list[Coroutine[Any, Any, None]]) -> list[BaseException | None]:
    """Run ``works`` at the same time; what each raised (None if nothing). One alone is
    awaited in place: a task for it would wait a turn of the event loop before starting."""
    if len(works) > 1:
        return await asyncio.gather(*works, return_exceptions=True)
    try:
        await works[0]
    except Exception as exc:
        return [exc]
    return [None]


async def alongside(work: Coroutine[Any, Any, None]) -> None:
    """Do ``work`` once the use case is done, while its messages are sent (a press's
    acknowledgement: it need not wait for them, nor they for it); outside one, now."""
    later = _ALONGSIDE.get()
    if later is None:
        await work
    else:
        later.append(work)


async def _guarded(handler: Handler, update: Update, context: Context) -> bool:
    """Run a handler; False when it ended in an expected error (answered here)."""
    try:
        await handler(update, context)
    except AlreadyProcessed:  # another process did it meanwhile: this one is rolled back
        log.info("update %s already processed; rolled back", update.update_id)
        return False
    except StoreUnavailable as exc:
        await not_saved(update, context, exc)
        return False
    except YuqingError as exc:
        await tell(update, context, await runtime(context).refusal(chat_key(update), exc))
        return False
    return True
