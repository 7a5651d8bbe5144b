"""The Transport port: what a messenger's client does for the delivery engine, and what it can.

A messenger is a parser of its updates, a renderer of the neutral ``Doc`` and a client; the
client is this port. The delivery engine (``bot.service.delivery``) drives any transport from
the outbox; the errors below tell it what to do when a delivery fails. Anything else a transport
raises is a bug or a message it cannot draw: the engine parks that message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.domain.plan import Person
from bot.render.doc import Doc
from bot.store import OutboxItem


@dataclass(frozen=True)
class Rate:
    """A messenger's flood limit as a token bucket: ``count`` at once, refilled over ``seconds``."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Capabilities:
    """What a messenger can do; the engine and the renderers plan around it."""

    edits: bool  # can change a message it sent (cards are refreshed in place)
    edit_window: timedelta | None  # for how long after sending (None: no limit)
    push: bool  # can post into a group unprompted (reminders need it)
    mentions: bool  # mentions notify people, not just show their names
    text_limit: int  # characters in one message; longer documents are split
    buttons: int | None  # buttons on one message (None: no limit worth planning for)
    button_label: int | None  # characters a button label shows
    overall: tuple[Rate, ...] = ()  # limits on all its sends together (none: unlimited)
    per_chat: tuple[Rate, ...] = ()  # limits on the sends into one chat


@dataclass(frozen=True)
class Outgoing:
    """One outbox message drawn for its chat: what the transport sends or edits."""

    chat: str  # the messenger's own chat id (the chat key without "<transport>:")
    doc: Doc
    people: Mapping[str, Person]  # the plan's people: mentions name them by person id
    item: OutboxItem  # the outbox row it stands for (kind, payload, incident)
    slow: bool = False  # an earlier attempt timed out: give the answer longer
    lang: str = "zh_CN"  # the language it is drawn in (for a messenger's own words)


class TransportError(Exception):
    """A delivery that failed in a way the engine knows how to handle."""


class ChatGone(TransportError):
    """The bot is no longer in the chat (removed, or it left): drop what it owes there."""


class RetryLater(TransportError):
    """Unreachable, a flood limit or a timeout: keep the message and try again."""

    def __init__(self, why: str, seconds: float | None = None, timed_out: bool = False) -> None:
        super().__init__(why)
        self.seconds = seconds  # what the messenger asked to wait, if it said
        self.timed_out = timed_out  # the request may have arrived all the same


class Refused(TransportError):
    """The messenger refused this one message (bad request, not allowed): log and drop it."""


class CannotEdit(TransportError):
    """The message cannot be edited (too old, too long, gone): send it anew instead."""


class Transport(Protocol):
    """A messenger's client, as the delivery engine uses it."""

    @property
    def name(self) -> str:
        """The transport's prefix in chat keys and its handle field in plans (``wecom``)."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this messenger can do."""
        ...

    async def send(self, out: Outgoing) -> str | None:
        """Post the message; the ref of the message it lives in (for later edits), if any."""
        ...

    async def edit(self, ref: str, out: Outgoing) -> str:
        """Replace the message ``ref`` with this one; its ref (CannotEdit: send anew)."""
        ...

    async def answer(self, press: str, text: str | None = None) -> None:
        """Acknowledge the button press ``press``; ``text`` is shown to the presser alone."""
        ...
