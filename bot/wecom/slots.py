"""What WeCom lets the bot answer, and until when: a message's reply, a click's card update.

A card with buttons can only reach a group as the reply to a message that @-ed the bot (one
reply per message, within a day) or as the update of a clicked card (within 5 seconds of the
click, once). The face records each as it arrives; the transport takes them as it sends.
Kept in memory: after a restart nothing is owed an answer any more, and pushes take over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

UPDATE_WINDOW = 4.0  # seconds: WeCom's 5, less the time the update needs to get there
REPLY_WINDOW = 60.0  # seconds: WeCom allows a day, but only what the message caused is its reply


@dataclass
class Click:
    """A click on a card, still owed its card update."""

    req_id: str
    task_id: str
    incident_id: int | None
    at: float  # monotonic seconds
    userid: str


@dataclass
class Slots:
    """The answers owed: the newest message of each chat, the newest click of each card."""

    now: Callable[[], float] = time.monotonic
    # chat -> the req_id of its newest message, when it came (monotonic) and its time (the clock's)
    replies: dict[str, tuple[str, float, datetime]] = field(default_factory=dict)
    clicks: dict[str, Click] = field(default_factory=dict)  # task id -> click
    late: set[str] = field(default_factory=set)  # task ids whose click went unanswered in time

    def message(self, chat: str, req_id: str, at: datetime) -> None:
        """A message in ``chat`` at ``at`` may be answered (replacing an older one's chance)."""
        self.replies[chat] = (req_id, self.now(), at)

    def take_reply(self, chat: str, caused: datetime | None = None) -> str | None:
        """The req_id to reply to in ``chat`` (used up), if one is still open.

        With ``caused`` (when the message to send was made), only a message it came after.
        """
        found = self.replies.get(chat)
        if found is None or (caused is not None and caused < found[2]):
            return None
        del self.replies[chat]
        return found[0] if self.now() - found[1] <= REPLY_WINDOW else None

    def click(self, click: Click) -> None:
        """A card was clicked: its update is owed within the window."""
        self.clicks[click.task_id] = click
        self.late.discard(click.task_id)

    def take_click(self, task_id: str) -> Click | None:
        """The click on card ``task_id`` to answer by updating it (used up), if in time."""
        click = self.clicks.pop(task_id, None)
        if click is None:
            return None
        if self.now() - click.at > UPDATE_WINDOW:
            self.late.add(task_id)  # its answer becomes a push
            return None
        return click

    def click_on(self, incident_id: int | None) -> str | None:
        """The task id of a card of this incident clicked just now (still in time), if any."""
        for task_id, click in reversed(self.clicks.items()):
            if click.incident_id == incident_id and self.now() - click.at <= UPDATE_WINDOW:
                return task_id
        return None

    def answered_late(self, task_id: str) -> bool:
        """Whether a click on ``task_id`` missed its window (its answer is owed as a push)."""
        if task_id in self.clicks and self.now() - self.clicks[task_id].at > UPDATE_WINDOW:
            del self.clicks[task_id]
            self.late.add(task_id)
        if task_id in self.late:
            self.late.discard(task_id)
            return True
        return False
