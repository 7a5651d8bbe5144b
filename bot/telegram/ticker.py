"""The clock in a running bot: one job that ticks the service at the next due time."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.telegram.runtime import Runtime

log = logging.getLogger(__name__)

JOB = "yuqing-tick"
SAFETY = timedelta(minutes=5)  # look again at least this often, whatever the plans say
_lock = asyncio.Lock()

App = Application[Any, Any, Any, Any, Any, Any]


async def tick(application: App, rt: Runtime) -> None:
    """Send what is due now (catch-up after a restart included) and book the next tick."""
    async with _lock:
        next_at = await rt.service.tick("telegram")
    rt.sender.poke()
    book(application, rt, next_at)


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
