"""Shared fixtures: ``store`` yields each Store implementation on a fresh temporary file."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

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
