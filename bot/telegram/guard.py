"""Guards of a running bot: a dead run's claims freed, a dying sender loud, a Conflict quiet."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram.error import Conflict as PollingConflict
from telegram.ext import Application

from bot.store import Store

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
FAILED = "yuqing-sender-failed"  # bot_data: set once the sender task has died
LAST_CONFLICT = "yuqing-last-conflict"  # bot_data: when the last Conflict warning was logged
CONFLICT_EVERY = 60.0  # seconds between two Conflict warnings
STOP_RETRY = 0.5  # seconds: how often a stop is tried again while the application starts


async def release_claims(store: Store) -> None:
    """Free the outbox claims of earlier runs; only for a process holding the run lock."""
    async with store.transaction() as tx:
        released = await tx.release_claims()
    if released:
        log.info("%d message(s) claimed by an earlier run are owed again", released)


def watch_sender(application: App, task: asyncio.Task[Any]) -> None:
    """Log at CRITICAL and stop the application if the sender task ends other than cancelled."""
    task.add_done_callback(lambda done: _sender_ended(application, done))


def sender_failed(application: App) -> bool:
    """Whether the sender task died (the run should end with a non-zero status)."""
    return bool(application.bot_data.get(FAILED))


def _sender_ended(application: App, task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return  # stopped on purpose (shutdown)
    error = task.exception() or RuntimeError("the sender task returned")
    log.critical(
        "the sender task died: no message would be delivered any more; stopping the bot so"
        " that it is restarted",
        exc_info=error,
    )
    application.bot_data[FAILED] = True
    _halt(application)


def _halt(application: App) -> None:
    """Make run_polling / run_webhook return, in whatever phase the application is."""
    application.stop_running()  # running: its loop stops; in post_init: it stops right after
    if not application.running:  # starting up between the two: try again until it runs
        asyncio.get_running_loop().call_later(STOP_RETRY, _halt_once_running, application)


def _halt_once_running(application: App) -> None:
    if application.running:
        application.stop_running()
    else:
        asyncio.get_running_loop().call_later(STOP_RETRY, _halt_once_running, application)


def polling_conflict(application: App, error: BaseException | None) -> bool:
    """For Telegram's Conflict (another poller): one warning a minute, no traceback; True."""
    if not isinstance(error, PollingConflict):
        return False
    now = time.monotonic()
    last = application.bot_data.get(LAST_CONFLICT)
    if last is None or now - last >= CONFLICT_EVERY:
        application.bot_data[LAST_CONFLICT] = now
        log.warning(
            "another process is getting updates with this bot's token (Telegram: %s);"
            " updates are split between them until it stops (said at most once a minute)",
            error,
        )
    return True
