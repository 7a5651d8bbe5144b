"""Shared fixtures: ``store`` yields each Store implementation on a fresh temporary database."""

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from pg_support import Cluster, find_bin
from support import PLAN_TEXT, T0, small_plan

from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore, Store
from bot.store.postgres import PgStore

_CLUSTER: list[Cluster] = []  # the session's throwaway PostgreSQL server, started when first used


def pg_cluster() -> Cluster:
    """The session's PostgreSQL cluster; skips the test (saying why) if there is no server."""
    if not _CLUSTER:
        found = find_bin()
        if isinstance(found, str):
            pytest.skip(found)
        _CLUSTER.append(Cluster.create(found))
    return _CLUSTER[0]


@pytest.fixture(scope="session", autouse=True)
def _pg_cleanup() -> Iterator[None]:
    yield
    while _CLUSTER:
        _CLUSTER.pop().destroy()


async def pg_database(tmp: Path) -> str:
    """The URL of a database of its own for the test whose folder is ``tmp`` (made once)."""
    name = "t_" + hashlib.sha1(str(tmp).encode()).hexdigest()[:20]
    return await pg_cluster().create_database(name)


async def open_pg(tmp: Path) -> Store:
    """A PgStore on the test's own database."""
    return await PgStore.open(await pg_database(tmp))


# Every Store implementation; the contract tests in test_store.py run against each.
STORES: dict[str, Callable[[Path], Awaitable[Store]]] = {
    "sqlite": lambda tmp: SqliteStore.open(tmp / "incidents.db"),
    "postgresql": open_pg,
}


@pytest.fixture(params=sorted(STORES))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened = await STORES[request.param](tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[IncidentService]:
    """The incident service on a fresh database, the small plan bound to CHAT, a manual clock."""
    store = await SqliteStore.open(tmp_path / "y.db")
    yield IncidentService(store, PlanBook([small_plan(PLAN_TEXT)]), ManualClock(T0))
    await store.close()
