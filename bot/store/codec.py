"""Conversions between domain values and stored columns: UTC ISO-8601 text, JSON, rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState, ObStatus
from bot.store.port import Approval, Decision, OutboxItem, Person
from bot.store.sql import Row


def to_text(moment: datetime) -> str:
    """An aware datetime as sortable UTC ISO-8601 text; ValueError if it is naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: the store needs timezone-aware times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def to_text_or_none(moment: datetime | None) -> str | None:
    """``to_text`` that lets None through."""
    return None if moment is None else to_text(moment)


def from_text(text: str) -> datetime:
    """Stored ISO-8601 text back to an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def from_text_or_none(text: str | None) -> datetime | None:
    """``from_text`` that lets None through."""
    return None if text is None else from_text(text)


def to_json(value: Any) -> str:
    """A JSON-serialisable value as compact JSON text (TypeError otherwise)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def from_json(text: str) -> Any:
    """Stored JSON text back to a value."""
    return json.loads(text)


def username_key(username: str | None) -> str | None:
    """A username as stored: without a leading '@'; empty becomes None."""
    if username is None:
        return None
    return username.strip().lstrip("@") or None


def obligation_from_row(row: Row) -> ObligationState:
    """An obligations row as the core's ObligationState."""
    return ObligationState(
        id=row["obligation_id"],
        owner=row["owner"],
        due_at=from_text_or_none(row["due_at"]),
        status=ObStatus(row["status"]),
        sent=row["sent"],
        met_at=from_text_or_none(row["met_at"]),
        level=row["level_id"],
    )


def attachment_from_row(row: Row) -> Attachment:
    """An attachments row as an Attachment."""
    return Attachment(kind=row["kind"], value=row["value"], name=row["name"])


def incident_from_row(
    row: Row,
    answers: dict[str, str],
    obligations: Sequence[ObligationState],
    attachments: Sequence[Attachment],
) -> Incident:
    """An incidents row plus its children as an Incident."""
    return Incident(
        id=row["id"],
        number=row["number"],
        plan_id=row["plan_id"],
        chat=row["chat"],
        state=State(row["state"]),
        reporter=row["reporter"],
        description=row["description"],
        reported_at=from_text(row["reported_at"]),
        level_id=row["level_id"],
        graded_at=from_text_or_none(row["graded_at"]),
        confirmed_at=from_text_or_none(row["confirmed_at"]),
        stabilised_at=from_text_or_none(row["stabilised_at"]),
        closed_at=from_text_or_none(row["closed_at"]),
        followups_sent=row["followups_sent"],
        last_update_at=from_text_or_none(row["last_update_at"]),
        is_drill=bool(row["is_drill"]),
        lang=row["lang"],
        version=row["version"],
        answers=answers,
        obligations=tuple(obligations),
        attachments=tuple(attachments),
        extra=from_json(row["extra"]),
        plan_digest=row["plan_digest"],
    )


def event_from_row(row: Row) -> TimelineEvent:
    """A timeline row as a TimelineEvent."""
    return TimelineEvent(
        incident_id=row["incident_id"],
        at=from_text(row["at"]),
        kind=row["kind"],
        actor=row["actor"],
        data=from_json(row["data"]),
        id=row["id"],
    )


def approval_from_row(row: Row) -> Approval:
    """An approvals row as an Approval."""
    return Approval(
        incident_id=row["incident_id"],
        kind=row["kind"],
        decision=Decision(row["decision"]),
        actor=row["actor"],
        at=from_text(row["at"]),
        target=row["target"],
        note=row["note"],
        id=row["id"],
    )


def person_from_row(row: Row) -> Person:
    """A people row as a Person."""
    return Person(
        key=row["key"],
        username=row["username"],
        display_name=row["display_name"],
        seen_at=from_text(row["seen_at"]),
        lang=row["lang"],
    )


def outbox_from_row(row: Row) -> OutboxItem:
    """An outbox row as an OutboxItem."""
    return OutboxItem(
        id=row["id"],
        chat=row["chat"],
        kind=row["kind"],
        payload=from_json(row["payload"]),
        created_at=from_text(row["created_at"]),
        incident_id=row["incident_id"],
        sent_at=from_text_or_none(row["sent_at"]),
        ref=row["ref"],
        claimed_by=row["claimed_by"],
        parked_at=from_text_or_none(row["parked_at"]),
        park_reason=row["park_reason"],
    )
