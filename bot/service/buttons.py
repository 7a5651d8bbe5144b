"""Typed button data: one class per action, ``pack`` to a short string (≤ 64 bytes), ``unpack``.

The wire form is ``y1:<code>:<incident id>:<argument>``, so buttons already posted keep working;
a button names its action, its incident and what it acts on, and stays valid across restarts:
everything else is read from the store on press. This is the only place that writes or reads
the argument's sub-formats (``index=option``, ``obligation@digest``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.messages import N_

MAX_BYTES = 64  # the tightest limit a messenger sets on button data
PREFIX = "y1"  # bump when the layout changes; old buttons then read as stale, not as garbage
DIGITS = re.compile(r"[0-9]+")


class StaleButton(DomainError):
    """Button data that is not ours, from an older layout, or tampered with."""

    key = N_("error.stale_button")


@dataclass(frozen=True)
class Answer:
    """The reporter's answer to grading question ``index``."""

    incident_id: int
    index: int
    option: str


@dataclass(frozen=True)
class Confirm:
    """A leader confirms the level."""

    incident_id: int


@dataclass(frozen=True)
class Regrade:
    """A leader moves the incident to ``level``."""

    incident_id: int
    level: str


@dataclass(frozen=True)
class Cancel:
    """A leader cancels a false alarm."""

    incident_id: int


@dataclass(frozen=True)
class Stabilise:
    """A leader marks the incident stabilised."""

    incident_id: int


@dataclass(frozen=True)
class Close:
    """Close with tasks still owed (the review is approved)."""

    incident_id: int


@dataclass(frozen=True)
class Done:
    """A task (one without approval) is done."""

    incident_id: int
    obligation: str


@dataclass(frozen=True)
class Approve:
    """Approve the submitted content whose ``content_digest`` is ``digest`` (the one shown)."""

    incident_id: int
    obligation: str
    digest: str


@dataclass(frozen=True)
class Reject:
    """Send the submitted content whose digest is ``digest`` back to its owner."""

    incident_id: int
    obligation: str
    digest: str


Press = Answer | Confirm | Regrade | Cancel | Stabilise | Close | Done | Approve | Reject

CODES: dict[type[Press], str] = {
    Answer: "a",
    Confirm: "c",
    Regrade: "g",
    Cancel: "x",
    Stabilise: "s",
    Close: "e",
    Done: "d",
    Approve: "p",
    Reject: "r",
}


def _argument(press: Press) -> str:
    match press:
        case Answer(index=index, option=option):  # the index keeps ids apart from questions
            return f"{index}={option}"
        case Regrade(level=level):
            return level
        case Done(obligation=obligation):
            return obligation
        case (
            Approve(obligation=obligation, digest=digest)
            | Reject(obligation=obligation, digest=digest)
        ):
            return f"{obligation}@{digest}"
    return ""


def pack(press: Press) -> str:
    """The wire form; ValueError if it would exceed 64 bytes."""
    text = ":".join((PREFIX, CODES[type(press)], str(press.incident_id), _argument(press)))
    if len(text.encode()) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {text!r}")
    return text


def unpack(data: str) -> Press:
    """Parse wire data; StaleButton for anything we did not produce."""
    parts = data.split(":", 3)
    if len(parts) != 4 or len(data.encode()) > MAX_BYTES:
        raise StaleButton()
    prefix, code, number, arg = parts
    if prefix != PREFIX or not DIGITS.fullmatch(number):
        raise StaleButton()
    return _typed(code, int(number), arg)


def _typed(code: str, incident_id: int, arg: str) -> Press:
    """The press a wire code and its argument stand for (arguments of plain actions ignored)."""
    match code:
        case "a":
            index, _, option = arg.partition("=")
            if not DIGITS.fullmatch(index):
                raise StaleButton()
            return Answer(incident_id, int(index), option)
        case "c":
            return Confirm(incident_id)
        case "g":
            return Regrade(incident_id, arg)
        case "x":
            return Cancel(incident_id)
        case "s":
            return Stabilise(incident_id)
        case "e":
            return Close(incident_id)
        case "d":
            return Done(incident_id, arg)
        case "p" | "r":
            obligation, versioned, digest = arg.rpartition("@")  # a digest is hex, never "@"
            if not versioned:
                raise StaleButton()
            if code == "p":
                return Approve(incident_id, obligation, digest)
            return Reject(incident_id, obligation, digest)
    raise StaleButton()
