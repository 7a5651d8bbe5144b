"""Which store a database setting names: a ``postgresql://`` URL, or else a SQLite file path."""

from __future__ import annotations

from pathlib import Path

from bot.store.port import Store

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(database: str | Path) -> bool:
    """Whether ``database`` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(database, str) and database.lower().startswith(SERVER_SCHEMES)


def database_arg(value: str) -> str | Path:
    """A ``--database`` value: a server URL as given (a Path would fold its ``//``), else a file."""
    return value if is_server_url(value) else Path(value)


def missing(database: str | Path) -> bool:
    """Whether ``database`` is a SQLite file that does not exist (a server is asked instead)."""
    return not is_server_url(database) and not Path(database).exists()


def redact(database: str) -> str:
    """A server URL without its password (a file path as it is)."""
    if not is_server_url(database):
        return database
    from bot.store.pgdb import redact as without_password

    return without_password(database)


async def open_store(database: str | Path, *, read_only: bool = False) -> Store:
    """The store for ``database``, opened and migrated; StoreError if it cannot be used."""
    if is_server_url(database):
        from bot.store.postgres import PgStore  # the driver is loaded only when used

        return await PgStore.open(str(database), read_only=read_only)
    from bot.store.sqlite import SqliteStore

    return await SqliteStore.open(Path(database), read_only=read_only)
