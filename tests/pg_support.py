"""A throwaway PostgreSQL cluster for the tests: initdb in a temp folder, a unix socket only.

The binaries come from PATH or the distribution's /usr/lib/postgresql/<n>/bin; when none is
found, ``find_bin`` says why and the PostgreSQL tests are skipped with that reason. PostgreSQL
refuses to run as root, so under root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg

USER = "yuqing"
INITDB = ("--auth=trust", "-E", "UTF8", "--no-sync")


def find_bin() -> Path | str:
    """The folder holding initdb and pg_ctl, or why there is none."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql)"


def _runner() -> tuple[list[str], int | None]:
    """The command prefix to run the server's tools, and the uid to own its folder."""
    if os.geteuid() != 0:
        return [], None
    return ["runuser", "-u", "postgres", "--"], pwd.getpwnam("postgres").pw_uid


_SESSION: list[Cluster] = []  # the test session's server, started when first used


def session_cluster() -> Cluster:
    """The session's cluster; skips the test (saying why) when there is no server."""
    if not _SESSION:
        found = find_bin()
        if isinstance(found, str):
            import pytest  # here: the benchmarks use this module without pytest

            pytest.skip(found)
        _SESSION.append(Cluster.create(found))
    return _SESSION[0]


def end_session() -> None:
    """Stop and remove the session's cluster, if one was started."""
    while _SESSION:
        _SESSION.pop().destroy()


@dataclass
class Cluster:
    """One throwaway cluster; ``url(name)`` for a database in it."""

    bin: Path
    root: Path
    port: int
    durable: bool = False  # fsync on, as a deployed server; the tests' clusters go without

    @classmethod
    def create(cls, bin: Path, *, durable: bool = False) -> Cluster:
        """initdb a new cluster in a fresh temp folder and start it."""
        prefix, uid = _runner()
        root = Path(tempfile.mkdtemp(prefix="yuqing-pg-"))
        if uid is not None:
            os.chown(root, uid, -1)
        cluster = cls(bin, root, random.randint(20000, 60000), durable)
        subprocess.run(
            [*prefix, str(bin / "initdb"), "-D", str(root / "data"), "-U", USER, *INITDB],
            check=True,
            capture_output=True,
        )
        cluster.start()
        return cluster

    def _ctl(self, *args: str) -> None:
        prefix, _ = _runner()
        options = f"-k {self.root} -p {self.port} -c listen_addresses=''"
        if not self.durable:
            options += " -c fsync=off"
        subprocess.run(
            [
                *prefix,
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-w",
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        """Start the server (waits until it accepts connections)."""
        self._ctl("start")

    def stop(self) -> None:
        """Stop the server at once (clients are disconnected)."""
        self._ctl("-m", "immediate", "stop")

    def destroy(self) -> None:
        """Stop the server and remove its folder."""
        self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A URL for ``database`` over the cluster's unix socket."""
        return f"postgresql://{USER}@/{database}?host={self.root}&port={self.port}"

    async def create_database(self, name: str) -> str:
        """Create ``name`` unless it exists; its URL."""
        conn = await asyncpg.connect(self.url())
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)
