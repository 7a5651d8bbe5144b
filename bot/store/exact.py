"""Incidents exactly as a transaction committed them, so that what it owes can be drawn at once.

A use case's messages are sent right after its commit (bot/service/sendnow.py); reading their
incident back would cost a snapshot of its own. Instead a store's transaction tracks, per
incident, whether it knows the incident whole: from the moment it is created or read in full
(``known``) until anything about it is written again (``changed``). Every write to an
incident's rows goes through ``changed`` (with its wake-up, bot/store/tx.py), so once the
transaction commits, what it knows is what it committed; that is handed to whoever collects
in this context (``collecting``). A rollback hands over nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from bot.domain.incident import Incident


@dataclass
class _Tracked:
    """What one open transaction knows of the incidents, and which it changed."""

    known: dict[int, Incident] = field(default_factory=dict)
    changed: set[int] = field(default_factory=set)
    # the task that opened it: only its reads are the transaction's (another task's, sharing
    # this context, read a snapshot of their own, without the transaction's writes)
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)


_OPEN: ContextVar[_Tracked | None] = ContextVar("exact_open", default=None)
_SINK: ContextVar[dict[int, Incident] | None] = ContextVar("exact_sink", default=None)


@contextmanager
def collecting() -> Iterator[dict[int, Incident]]:
    """Within: each commit in this context leaves its known incidents here (and drops the
    ones it changed without reading them again)."""
    sink: dict[int, Incident] = {}
    token = _SINK.set(sink)
    try:
        yield sink
    finally:
        _SINK.reset(token)


@contextmanager
def tracking() -> Iterator[None]:
    """For a store's transaction: enter before BEGIN, exit after COMMIT (which hands over)."""
    tracked = _Tracked()
    token = _OPEN.set(tracked)
    try:
        yield
    finally:
        _OPEN.reset(token)
    sink = _SINK.get()  # reached only when the transaction committed
    if sink is not None:
        for incident_id in tracked.changed:
            sink.pop(incident_id, None)
        sink.update(tracked.known)


def known(incident: Incident) -> None:
    """The open transaction created or read ``incident`` whole (outside one: nothing)."""
    tracked = _OPEN.get()
    if tracked is not None and tracked.task is asyncio.current_task():
        tracked.known[incident.id] = incident


def changed(incident_id: int) -> None:
    """The open transaction wrote to the incident: what was known of it is not any more."""
    tracked = _OPEN.get()
    if tracked is not None:
        tracked.known.pop(incident_id, None)
        tracked.changed.add(incident_id)
