"""Opaque WeCom button keys and card task ids, kept in the store so cards outlive restarts.

A card's button carries a short random key, not its data: the key names the packed button data
of ``bot/service/buttons.py`` in the kv namespace ``wecom_keys`` (and the data its key in
``wecom_key_of``, so a card drawn again reuses its keys). A card's ``task_id`` (unique per bot,
≤128 bytes of ``[0-9A-Za-z_-@]``) names what the card shows in ``wecom_tasks``. A key or task
id the store does not know, or one that is not of our form, reads as None: a stale button.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from bot.store import Store, Tx

KEYS = "wecom_keys"  # key -> packed button data
KEY_OF = "wecom_key_of"  # packed button data -> key
TASKS = "wecom_tasks"  # task id -> Task
ALPHABET = string.ascii_letters + string.digits  # within a task id's alphabet; never "~" (nav)
KEY_LENGTH = 12  # 71 bits
TASK_LENGTH = 24  # 142 bits: task ids must never repeat for the bot


@dataclass(frozen=True)
class Task:
    """What a posted card shows: the chat, the incident, the kind of message, the page."""

    chat: str  # the chat key, "wecom:<chatid>"
    incident_id: int | None
    kind: str  # the outbox kind ("card", "question", …) or the reply's ("status")
    page: int = 0  # the page of buttons shown (0: the main one)
    item_id: int | None = None  # the outbox message it stands for, if any

    @classmethod
    def read(cls, value: Any) -> Task | None:
        """The task stored as ``value``; None for anything else."""
        if not isinstance(value, dict):
            return None
        try:
            task = cls(**value)
        except TypeError:
            return None
        numbers = (task.incident_id, task.item_id)
        if not (isinstance(task.chat, str) and isinstance(task.kind, str)):
            return None
        if not isinstance(task.page, int) or not all(
            n is None or isinstance(n, int) for n in numbers
        ):
            return None
        return task


def _ours(token: str, length: int) -> bool:
    return len(token) == length and all(char in ALPHABET for char in token)


@asynccontextmanager
async def _writing(store: Store, tx: Tx | None) -> AsyncIterator[Tx]:
    """The caller's transaction, else a new one."""
    if tx is not None:
        yield tx
        return
    async with store.transaction() as own:
        yield own


async def _fresh(store: Store, namespace: str, length: int) -> str:
    """A random token not yet used in ``namespace``."""
    while True:
        token = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if await store.kv_get(namespace, token) is None:
            return token


async def keys_for(
    store: Store, datas: Iterable[str], at: datetime | None = None, tx: Tx | None = None
) -> dict[str, str]:
    """A key for each packed button data (the same data keeps its key), created where missing.

    Reads see ``tx`` when given (the store reads inside its caller's own transaction).
    """
    wanted = list(dict.fromkeys(datas))
    found: dict[str, str] = {}
    for data in wanted:
        key = await store.kv_get(KEY_OF, data)
        if isinstance(key, str):
            found[data] = key
    missing = [data for data in wanted if data not in found]
    if missing:
        async with _writing(store, tx) as writing:
            for data in missing:
                known = await store.kv_get(KEY_OF, data)  # another sender may have made it
                if isinstance(known, str):
                    found[data] = known
                    continue
                key = await _fresh(store, KEYS, KEY_LENGTH)
                await writing.kv_set(KEYS, key, data, at)
                await writing.kv_set(KEY_OF, data, key, at)
                found[data] = key
    return {data: found[data] for data in wanted}


async def data_for(store: Store, key: str) -> str | None:
    """The packed button data a key stands for; None for a key we did not make."""
    if not _ours(key, KEY_LENGTH):
        return None
    data = await store.kv_get(KEYS, key)
    return data if isinstance(data, str) else None


async def new_task(
    store: Store, task: Task, at: datetime | None = None, tx: Tx | None = None
) -> str:
    """A new task id for a card about to be posted, naming what it shows."""
    async with _writing(store, tx) as writing:
        task_id = await _fresh(store, TASKS, TASK_LENGTH)
        await writing.kv_set(TASKS, task_id, asdict(task), at)
    return task_id


async def task_for(store: Store, task_id: str) -> Task | None:
    """What the card ``task_id`` shows; None for a task id we did not make."""
    if not _ours(task_id, TASK_LENGTH):
        return None
    return Task.read(await store.kv_get(TASKS, task_id))


async def turn_page(
    store: Store, task_id: str, page: int, at: datetime | None = None, tx: Tx | None = None
) -> Task | None:
    """Record that the card shows page ``page`` now; the task, or None if unknown."""
    task = await task_for(store, task_id)
    if task is None:
        return None
    turned = replace(task, page=page)
    async with _writing(store, tx) as writing:
        await writing.kv_set(TASKS, task_id, asdict(turned), at)
    return turned
