"""The stores a benchmark runs on: a SQLite file, or a database in a throwaway PostgreSQL cluster.

The cluster is the tests' (tests/pg_support.py): ``initdb`` in a temp folder, a unix socket
only, the server's default settings otherwise — not a tuned server. Unlike the tests' clusters
it keeps ``fsync`` on: each commit is on disk, as the SQLite file's are and a deployed
server's would be, so the bot and the reference bot pay for durability on both stores alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pg_support import Cluster, find_bin

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Databases:
    """Makes the benchmark's databases on one store."""

    store: str
    folder: Path
    cluster: Cluster | None = None

    async def make(self, name: str) -> str:
        """A new, empty database called ``name``: its file path or URL."""
        if self.cluster is None:
            return str(self.folder / f"{name}.db")
        return await self.cluster.create_database(f"bench_{name}")


@contextmanager
def clusters(stores: Sequence[str]) -> Iterator[Cluster | None]:
    """A started cluster while the run needs PostgreSQL (removed after), else None."""
    if "postgresql" not in stores:
        yield None
        return
    found = find_bin()
    if isinstance(found, str):
        raise SystemExit(f"--stores postgresql: {found}")
    cluster = Cluster.create(found, durable=True)
    try:
        yield cluster
    finally:
        cluster.destroy()
