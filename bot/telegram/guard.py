"""Guards of a running bot: a dying sender or clock loud, a Conflict quiet."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram.error import Conflict as PollingConflict
from telegram.ext import Application

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
FAILED = "yuqing-sender-failed"  # bot_data: set once a background task has died
LAST_CONFLICT = "yuqing-last-conflict"  # bot_data: when the last Conflict warning was logged
CONFLICT_EVERY = 60.0  # seconds between two Conflict warnings
STOP_RETRY = 0.5  # seconds: how often a stop is tried again while the application starts


# What the bot stops doing when each of its background tasks dies, for the CRITICAL line.
WHAT_STOPS = {
    "sender": "no message would be delivered any more",
    "clock": "no reminder would be sent any more",
}


def watch(application: App, task: asyncio.Task[Any], role: str) -> None:
    """Log at CRITICAL and stop the application if the task ends other than cancelled."""
    task.add_done_callback(lambda done: _task_ended(application, done, role))


def _stops(role: str) -> str:
    """What the bot stops doing when the task of ``role`` dies."""
    return WHAT_STOPS["clock" if role == "clock" else "sender"]


def sender_failed(application: App) -> bool:
    """Whether a background task died (the run should end with a non-zero status)."""
    return bool(application.bot_data.get(FAILED))


def _task_ended(application: App, task: asyncio.Task[Any], role: str) -> None:
    if task.cancelled():
        return  # stopped on purpose (shutdown)
    error = task.exception() or RuntimeError(f"the {role} task returned")
    log.critical(
        "the %s task died: %s; stopping the bot so that it is restarted",
        role,
        _stops(role),
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
