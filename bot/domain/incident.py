"""An incident as the core sees it: plain data, loaded from and saved to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.lifecycle import State
from bot.domain.obligations import Anchors, ObligationState
from bot.domain.timing import Snapshot


@dataclass(frozen=True)
class Attachment:
    """Something attached to a report: a link, a forwarded text, a photo or a document."""

    kind: str  # "link" | "text" | "photo" | "document"
    value: str  # the URL, the text, or the transport's file id
    name: str | None = None


@dataclass(frozen=True)
class Incident:
    """One reported incident and everything timing needs about it."""

    id: int
    number: int  # the short per-deployment "#N"
    plan_id: str
    chat: str  # transport-qualified chat key, "<messenger>:<its chat id>"
    state: State
    reporter: str  # transport-qualified person key, "<messenger>:<its user id>"
    description: str
    reported_at: datetime
    level_id: str | None = None
    graded_at: datetime | None = None
    confirmed_at: datetime | None = None
    stabilised_at: datetime | None = None
    closed_at: datetime | None = None
    followups_sent: int = 0
    last_update_at: datetime | None = None
    is_drill: bool = False
    lang: str = "zh_CN"
    version: int = 0  # bumped by every write: concurrent decisions lose cleanly
    answers: dict[str, str] = field(default_factory=dict)
    obligations: tuple[ObligationState, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    plan_digest: str | None = None  # the stored copy of the plan it was last scheduled with

    @property
    def anchors(self) -> Anchors:
        """The moments obligation clocks run from."""
        return Anchors(self.reported_at, self.stabilised_at, self.confirmed_at)

    def snapshot(self) -> Snapshot:
        """The timing-relevant view of this incident."""
        return Snapshot(
            state=self.state,
            level_id=self.level_id,
            reported_at=self.reported_at,
            stabilised_at=self.stabilised_at,
            obligations=self.obligations,
            followups_sent=self.followups_sent,
            last_update_at=self.last_update_at,
            confirmed_at=self.confirmed_at,
        )

    def obligation(self, obligation_id: str) -> ObligationState:
        """One obligation's state (KeyError if the incident has none by that id)."""
        for state in self.obligations:
            if state.id == obligation_id:
                return state
        raise KeyError(obligation_id)


@dataclass(frozen=True)
class TimelineEvent:
    """One entry of an incident's append-only timeline."""

    incident_id: int
    at: datetime
    kind: str
    actor: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
