"""Shared fixtures: ``store`` yields each Store implementation on a fresh temporary database."""

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from pg_support import Cluster, end_session, session_cluster
from support import PLAN_TEXT, T0, small_plan

from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore, Store
from bot.store.postgres import PgStore

# The end-to-end set, also run on PostgreSQL (`YUQING_TEST_STORE=postgresql pytest -m e2e`, see
# tests/dbswitch.py): the real bot over HTTP whose database holds what the test is about. Left
# out, to keep that run near five minutes: WeCom's connection faults, the log lines' content,
# the ops endpoints and start-up settings (no store behaviour in them); the SQLite file faults.
E2E = {
    "test_addressing.py",
    "test_api_faults.py",
    "test_authorization.py",
    "test_chat_by_chat.py",
    "test_drills.py",
    "test_e2e.py",
    "test_edits.py",
    "test_evidence_e2e.py",
    "test_flood_e2e.py",
    "test_hostile_input.py",
    "test_kicked.py",
    "test_kill_matrix.py",
    "test_members.py",
    "test_ops_process.py",
    "test_parking.py",
    "test_plan_duties_e2e.py",
    "test_plan_edits.py",
    "test_regrade_walk_e2e.py",
    "test_restart.py",
    "test_task_names_e2e.py",
    "test_tick_set_aside.py",
    "test_two_messengers.py",
    "test_two_processes.py",
    "test_update_window.py",
    "test_webhook_races.py",
    "test_wecom_e2e.py",
    "test_wecom_evidence_e2e.py",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: the end-to-end set (also run on PostgreSQL)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in E2E:
            item.add_marker(pytest.mark.e2e)


def pg_cluster() -> Cluster:
    """The session's PostgreSQL cluster; skips the test (saying why) if there is no server."""
    return session_cluster()


@pytest.fixture(scope="session", autouse=True)
def _pg_cleanup() -> Iterator[None]:
    yield
    end_session()


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
