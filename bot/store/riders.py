"""Writes that ride along with the next write transaction of the work under way.

Marking an incoming update as processed is a write of its own; done in a transaction of its
own, it costs a commit — a sync to disk — before the update's real work even starts. Instead,
the mark waits here (``aboard``) and is written by the first transaction the update's work
opens, so the mark and the change it stands for are committed together, or neither; if the
work writes nothing, ``settle`` writes it alone afterwards.

The riders are kept per piece of work (``scope``: one incoming update), in a context variable:
tasks the work starts share them; the clock and the delivery engine, started before, do not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

from bot.store.port import Tx

Rider = Callable[[Tx], Awaitable[None]]  # given the open transaction; raising rolls it back

_WAITING: ContextVar[list[Rider] | None] = ContextVar("riders", default=None)


@contextmanager
def scope() -> Iterator[list[Rider]]:
    """One piece of work's riders: empty at the start, dropped at the end."""
    waiting: list[Rider] = []
    token = _WAITING.set(waiting)
    try:
        yield waiting
    finally:
        _WAITING.reset(token)


def scoped() -> bool:
    """Whether work is under way that riders can wait for."""
    return _WAITING.get() is not None


def waiting() -> bool:
    """Whether riders wait for the next transaction (which must then be durable)."""
    return bool(_WAITING.get())


def aboard(rider: Rider) -> None:
    """Have ``rider`` written by the work's next transaction (ValueError outside a scope)."""
    waiting = _WAITING.get()
    if waiting is None:
        raise ValueError("no work under way to ride along with")
    waiting.append(rider)


@asynccontextmanager
async def boarding() -> AsyncIterator[Rider]:
    """For a store's transaction: takes the waiting riders; they wait again unless it commits.

    Enter before BEGIN, call the given function with the open Tx, exit after COMMIT.
    """
    waiting = _WAITING.get()
    taken = list(waiting) if waiting else []
    if waiting:
        waiting.clear()

    async def board(tx: Tx) -> None:
        for rider in taken:
            await rider(tx)

    try:
        yield board
    except BaseException:
        if waiting is not None:
            waiting[:0] = taken
        raise


def drop() -> None:
    """Forget the riders still waiting: the work is given up, nothing of it is to be kept."""
    waiting = _WAITING.get()
    if waiting:
        waiting.clear()


async def settle(transaction: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
    """Write the riders still waiting, in a transaction of their own (none: nothing done)."""
    if _WAITING.get():
        async with transaction():
            pass
