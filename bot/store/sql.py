"""What the shared SQL modules need of a database connection, whichever engine backs it.

Statements use ``?`` placeholders and plain SQL both SQLite and PostgreSQL run; the one
engine-specific choice left to callers is ``dialect`` ("sqlite" or "postgresql").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

Params = Sequence[Any]


class Row(Protocol):
    """A result row, read by column name or position."""

    def __getitem__(self, key: Any, /) -> Any:
        """The value of one column."""
        ...


class Db(Protocol):
    """One connection: statements translated to the engine, errors to StoreError."""

    @property
    def dialect(self) -> str:
        """The engine: "sqlite" or "postgresql"."""
        ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        ...

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT into a table with an ``id`` key; return the new row's id."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        ...

    async def all(self, sql: str, params: Params = ()) -> Sequence[Row]:
        """Every row of a query."""
        ...

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""
        ...

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row of a query (None if there is no row)."""
        ...
