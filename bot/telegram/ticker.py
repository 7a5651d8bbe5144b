"""The clock in a running bot: one job that ticks the service at the next due time."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.domain.errors import StoreError
from bot.telegram.runtime import Runtime

log = logging.getLogger(__name__)

JOB = "yuqing-tick"
FAILURES = "yuqing-tick-failures"  # bot_data: ticks in a row that could not use the database
LOCK = "yuqing-tick-lock"  # bot_data: one tick at a time per application
SAFETY = timedelta(minutes=5)  # look again at least this often, whatever the plans say
MAX_RETRY = timedelta(seconds=30)

App = Application[Any, Any, Any, Any, Any, Any]


async def tick(application: App, rt: Runtime) -> None:
    """Send what is due now (catch-up included) and book the next tick, even after a failure.

    A database that cannot be written is logged once; the tick is retried with backoff and,
    once it works, records and sends what fell due meanwhile (the latest reminder, once).
    """
    try:
        async with _lock(application):
            next_at = await rt.service.tick("telegram")
    except StoreError as exc:
        next_at = _retry_at(application, rt, exc)
    except Exception:
        book(application, rt, _retry_at(application, rt, None))  # a bug must not stop the clock
        raise
    else:
        _recovered(application)
    rt.sender.poke()
    book(application, rt, next_at)


def _lock(application: App) -> asyncio.Lock:
    """The application's tick lock, made in its own event loop (a lock binds to one loop)."""
    lock = application.bot_data.get(LOCK)
    if not isinstance(lock, asyncio.Lock):
        lock = application.bot_data[LOCK] = asyncio.Lock()
    return lock


def _retry_at(application: App, rt: Runtime, exc: StoreError | None) -> datetime:
    """When to try again after a failed tick (1 s, 2 s, 4 s … up to 30 s); log the first."""
    failures = int(application.bot_data.get(FAILURES, 0)) + 1
    application.bot_data[FAILURES] = failures
    if failures == 1 and exc is not None:
        detail = exc.params.get("detail", exc.key)
        log.warning("database unavailable, reminders wait until it is back: %s", detail)
    delay = min(timedelta(seconds=2 ** (failures - 1)), MAX_RETRY)
    return rt.service.clock.now() + delay


def _recovered(application: App) -> None:
    """Say once that reminders run again."""
    if application.bot_data.pop(FAILURES, 0):
        log.info("database available again: reminders resume")


def book(application: App, rt: Runtime, at: datetime | None) -> None:
    """Replace the pending tick job with one at ``at`` (or after SAFETY, if sooner)."""
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot[job-queue] is required"
    for job in queue.get_jobs_by_name(JOB):
        job.schedule_removal()
    now = rt.service.clock.now()
    when = min(at, now + SAFETY) if at else now + SAFETY
    delay = max((when - now).total_seconds(), 0.0)

    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await tick(context.application, rt)

    queue.run_once(run, when=delay, name=JOB)
