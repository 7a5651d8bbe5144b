"""The evidence folder: files kept by their sha256, beside the database, within size limits."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Shelf:
    """Where evidence is kept (``folder/ab/abcdef…``) and how large it may be."""

    folder: Path
    max_file: int = 20 * MB  # bytes of one file (the largest a bot may download)
    max_incident: int = 200 * MB  # bytes of all of one incident's files

    @classmethod
    def beside(cls, database: Path, folder: Path | None = None, **limits: int) -> Shelf:
        """The shelf for ``database``: ``folder``, or ``<database>.evidence`` next to it."""
        return cls(folder or database.with_name(database.name + ".evidence"), **limits)

    def path(self, digest: str) -> Path:
        """Where the file with this sha256 (hex) is kept."""
        return self.folder / digest[:2] / digest

    def has(self, digest: str | None) -> bool:
        """Whether the file with this digest is on the shelf."""
        return digest is not None and self.path(digest).is_file()

    def put(self, data: bytes) -> str:
        """Keep ``data`` (once: the same content is one file); its sha256. OSError if not."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{digest[:8]}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())  # kept means on disk: the row says so once this returns
            os.replace(temp, target)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise
        return digest
