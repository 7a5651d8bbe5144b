"""Evidence: a photo, document or voice message attached to an incident, and whether it is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

FILE_KINDS = frozenset({"photo", "document", "voice"})  # attachments that are files to keep


class Kept(StrEnum):
    """Where a piece of evidence stands: waiting to be downloaded, kept, or not kept and why."""

    PENDING = "pending"  # owed a download (retried until kept or given up)
    KEPT = "kept"  # stored in the archive under its digest
    TOO_BIG = "too_big"  # over the per-file or per-incident size limit
    LOST = "lost"  # the messenger could not give it (gone, refused, or failed too often)


@dataclass(frozen=True)
class Evidence:
    """One file attached to a report, a progress report or the review."""

    id: int
    incident_id: int
    chat: str  # the incident's chat key: its messenger holds the file
    kind: str  # "photo" | "document" | "voice"
    ref: str  # the messenger's file id
    name: str | None
    source: str  # "report" | "update" | "review"
    actor: str | None  # who sent it (person key)
    at: datetime  # when it arrived
    status: Kept = Kept.PENDING
    digest: str | None = None  # sha256 of the content, once kept
    size: int | None = None  # bytes, once known
    attempts: int = 0
    next_try_at: datetime | None = None
    reason: str | None = None  # why it is not kept (or why the last try failed)

    @property
    def transport(self) -> str:
        """The messenger the file is fetched from (the chat key's prefix)."""
        return self.chat.partition(":")[0]
