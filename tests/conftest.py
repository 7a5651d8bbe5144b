"""Shared fixtures: ``store`` yields each Store implementation on a fresh temporary file."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from support import PLAN_TEXT, T0, small_plan

from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore, Store

# Every Store implementation; the contract tests in test_store.py run against each.
STORES: dict[str, Callable[[Path], Awaitable[Store]]] = {
    "sqlite": lambda tmp: SqliteStore.open(tmp / "incidents.db"),
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
