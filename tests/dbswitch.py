"""Which store the end-to-end tests run on: SQLite files (the default) or PostgreSQL.

``YUQING_TEST_STORE=postgresql`` gives each database path a test names (``tmp_path / "y.db"``)
a fresh database of its own in the session's throwaway cluster (tests/pg_support.py). The path
still says where what sits beside a SQLite database goes: the evidence folder ``y.db.evidence``.
The end-to-end fixtures (``running``, ``start_bot``, ``wecom_env``, ``incident``) take the
database from here, so one switch moves the whole end-to-end set.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pg_support import session_cluster

from bot.store import Store
from bot.store.opening import open_store

STORES = ("sqlite", "postgresql")
STORE = os.environ.get("YUQING_TEST_STORE", "").strip().lower() or "sqlite"
if STORE not in STORES:
    raise RuntimeError(f"YUQING_TEST_STORE must be one of {', '.join(STORES)}, not {STORE!r}")
ON_POSTGRESQL = STORE == "postgresql"

_MADE: dict[Path, str] = {}  # test database path -> the URL of the database made for it


def database(db: Path) -> str:
    """The database setting for the test database ``db``: the file, or its server database."""
    return pg_url(db) if ON_POSTGRESQL else str(db)


def pg_url(db: Path) -> str:
    """The URL of the PostgreSQL database made for the test database ``db`` (made once)."""
    key = db.absolute()
    if key not in _MADE:
        cluster = session_cluster()  # here, not in the thread: it may skip the test
        name = "e_" + hashlib.sha1(str(key).encode()).hexdigest()[:24]
        # callers may be inside the test's event loop: asyncpg runs in a loop of its own
        with ThreadPoolExecutor(1) as pool:
            _MADE[key] = pool.submit(asyncio.run, cluster.create_database(name)).result()
    return _MADE[key]


def database_settings(db: Path) -> dict[str, Any]:
    """Settings fields naming the test database ``db`` (and its evidence folder beside it)."""
    chosen: dict[str, Any] = {"database": database(db)}
    if ON_POSTGRESQL:  # SQLite's default; a server's would be yuqing.db.evidence in the cwd
        chosen["evidence_dir"] = db.with_name(db.name + ".evidence")
    return chosen


def database_env(db: Path) -> dict[str, str]:
    """The same as ``YUQING_*`` environment variables, for a ``yuqing-bot`` process."""
    return {f"YUQING_{k.upper()}": str(v) for k, v in database_settings(db).items()}


async def open_db(db: Path, *, read_only: bool = False) -> Store:
    """The store the bot uses for the test database ``db``, opened."""
    return await open_store(database(db), read_only=read_only)


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip the test on PostgreSQL: it is about SQLite's own file (``reason`` says how)."""
    return pytest.mark.skipif(ON_POSTGRESQL, reason=f"SQLite only: {reason}")
