"""Typed button data: ``pack`` to a short string (≤ 64 bytes, Telegram's limit), ``unpack`` back.

The data names the action, the incident and one argument (an option, obligation or level id),
so a button stays valid across restarts: everything else is read from the store on press.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.messages import N_

MAX_BYTES = 64
PREFIX = "y1"  # bump when the layout changes; old buttons then read as stale, not as garbage


class Action(StrEnum):
    """What a button does; the value is its short wire code."""

    ANSWER = "a"  # arg: question index + "=" + option id (ids alone could pass 64 bytes)
    CONFIRM = "c"
    REGRADE = "g"  # arg: the target level id
    CANCEL = "x"
    STABILISE = "s"
    CLOSE = "e"  # close with tasks still owed (the review is approved)
    DONE = "d"  # arg: obligation id
    APPROVE = "p"  # arg: obligation id + "@" + digest of the content shown with the button
    REJECT = "r"  # arg: as APPROVE


class StaleButton(DomainError):
    """Button data that is not ours, from an older layout, or tampered with."""

    key = N_("error.stale_button")


@dataclass(frozen=True)
class ButtonData:
    """An action on one incident, with its argument."""

    action: Action
    incident_id: int
    arg: str = ""

    def pack(self) -> str:
        """The wire form; ValueError if it would exceed 64 bytes."""
        text = ":".join((PREFIX, self.action.value, str(self.incident_id), self.arg))
        if len(text.encode()) > MAX_BYTES:
            raise ValueError(f"button data over {MAX_BYTES} bytes: {text!r}")
        return text


def unpack(data: str) -> ButtonData:
    """Parse wire data; StaleButton for anything we did not produce."""
    parts = data.split(":", 3)
    try:
        prefix, code, incident, arg = parts
        if prefix != PREFIX or len(data.encode()) > MAX_BYTES:
            raise ValueError(data)
        return ButtonData(Action(code), int(incident), arg)
    except ValueError:
        raise StaleButton() from None
