"""The FileSource port: a messenger's client as the evidence archive fetches files through it.

A messenger that can hand over the files people attach (by a file id its updates carry)
implements it beside the Transport port; the archivist (``bot.service.archive``) keeps what it
fetches. The errors are the Transport port's, plus ``TooBig``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.service.transport import TransportError


class TooBig(TransportError):
    """The file is larger than the limit asked for (``size`` in bytes, if the messenger said)."""

    def __init__(self, why: str, size: int | None = None) -> None:
        super().__init__(why)
        self.size = size


@runtime_checkable
class FileSource(Protocol):
    """A messenger that can give the content of a file people sent, by its file id."""

    @property
    def name(self) -> str:
        """The transport's prefix in chat keys (whose incidents' files it holds)."""
        ...

    async def fetch(self, ref: str, limit: int) -> bytes:
        """The file's content; TooBig over ``limit`` bytes, Refused if it cannot be had (gone),
        RetryLater if the messenger cannot be reached now."""
        ...
