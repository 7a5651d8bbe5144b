"""One ``yuqing-bot run`` per database: an exclusive OS lock on a file next to the database.

``fcntl.flock`` on ``<database>.run.lock``: the kernel releases it when the process ends, however
it ends (SIGKILL included), so a stale file never blocks a restart. The holder writes who it is
into the file (pid, host, start time in UTC) for the refusal of a second ``run``.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.errors import YuqingError
from bot.domain.messages import N_

SUFFIX = ".run.lock"  # not a name SQLite uses (-wal, -shm, -journal)
READ_TRIES, READ_PAUSE = 20, 0.05  # the holder writes its name just after it takes the lock

_held: dict[Path, int] = {}  # lock file -> its open (locked) descriptor, kept until exit


class AlreadyRunning(YuqingError):
    """Another process runs the bot on this database."""

    key = N_("error.already_running")


class LockUnusable(YuqingError):
    """The lock file cannot be created or opened."""

    key = N_("error.run_lock")


@dataclass(frozen=True)
class Holder:
    """Who holds a run lock."""

    pid: int
    host: str
    since: datetime

    @classmethod
    def me(cls) -> Holder:
        """This process, from now."""
        return cls(os.getpid(), socket.gethostname(), datetime.now(UTC))

    def dump(self) -> bytes:
        """The lock file's content."""
        fields = {"pid": self.pid, "host": self.host, "since": self.since.isoformat()}
        return (json.dumps(fields, ensure_ascii=False) + "\n").encode()

    @classmethod
    def load(cls, data: bytes) -> Holder | None:
        """A lock file's content, or None if it is empty or not what ``dump`` writes."""
        try:
            fields = json.loads(data)
            return cls(int(fields["pid"]), str(fields["host"]), _utc(fields["since"]))
        except (ValueError, TypeError, KeyError):
            return None


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def lock_path(database: Path) -> Path:
    """The lock file of ``database``."""
    return database.with_name(database.name + SUFFIX)


def acquire(database: Path) -> None:
    """Hold the run lock of ``database`` until this process ends; AlreadyRunning if taken."""
    path = lock_path(database).absolute()
    if path in _held:
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if not os.access(database, os.W_OK):
            return  # nobody can write the database: the store check stops the run, saying why
        raise LockUnusable(path=str(path), detail=exc.strerror or str(exc)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise _refusal(database, holder) from None
    _held[path] = fd
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, Holder.me().dump(), 0)
    except OSError:
        pass  # e.g. a full disk: still held, nameless; the store check stops the run, saying why


def _holder(fd: int) -> Holder | None:
    """Who holds the lock, as it wrote into the file (given a moment to write it)."""
    for _ in range(READ_TRIES):
        holder = Holder.load(os.pread(fd, 4096, 0))
        if holder is not None:
            return holder
        time.sleep(READ_PAUSE)
    return None


def _refusal(database: Path, holder: Holder | None) -> AlreadyRunning:
    if holder is None:
        return AlreadyRunning(N_("error.already_running_unknown"), path=str(database))
    since = holder.since.strftime("%Y-%m-%d %H:%M:%S UTC")
    return AlreadyRunning(path=str(database), pid=holder.pid, host=holder.host, since=since)
