"""Guards of a running bot: a dying background task stops it, a Conflict stays quiet."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from telegram.error import Conflict as PollingConflict
from telegram.ext import Application

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
FAILED = "yuqing-sender-failed"  # bot_data: set once a background task has died
LAST_CONFLICT = "yuqing-last-conflict"  # bot_data: when the last Conflict warning was logged
CONFLICT_EVERY = 60.0  # seconds between two Conflict warnings
STOP_RETRY = 0.5  # seconds: how often a stop is tried again while the application starts


def halt_on_death(application: App) -> Callable[[str], None]:
    """What to do when a background task dies (logged by bot.serve): fail the run and stop."""

    def died(role: str) -> None:
        application.bot_data[FAILED] = True
        _halt(application)

    return died


def sender_failed(application: App) -> bool:
    """Whether a background task died (the run should end with a non-zero status)."""
    return bool(application.bot_data.get(FAILED))


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
