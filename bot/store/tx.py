"""The writes of one transaction, in SQL both engines run (the store opens and ends it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState, ObStatus
from bot.store import codec, exact, wakeups
from bot.store.bookkeeping import Bookkeeping
from bot.store.codec import to_text, to_text_or_none
from bot.store.records import Conflict, Decision, NotFound


def _opt_text(value: str | None) -> str | None:
    """An optional text column."""
    return None if value is None else str(value)


def _obligation_row(incident_id: int, position: int, state: ObligationState) -> tuple[Any, ...]:
    """The obligations columns written by save_obligations."""
    due_at, met_at = to_text_or_none(state.due_at), to_text_or_none(state.met_at)
    status = ObStatus(state.status).value
    return (
        incident_id,
        state.id,
        position,
        state.owner,
        due_at,
        status,
        state.sent,
        met_at,
        state.level,
    )


# The incident columns update_incident may change, each with its encoder.
UPDATABLE: dict[str, Callable[[Any], Any]] = {
    "state": lambda state: State(state).value,
    "level_id": _opt_text,
    "graded_at": to_text_or_none,
    "confirmed_at": to_text_or_none,
    "stabilised_at": to_text_or_none,
    "closed_at": to_text_or_none,
    "followups_sent": int,
    "last_update_at": to_text_or_none,
    "description": str,
    "is_drill": lambda flag: int(bool(flag)),
    "lang": str,
    "extra": codec.to_json,
    "plan_digest": _opt_text,
}


class SqlTx(Bookkeeping):
    """Every write of one transaction: the incidents' own here, the books' in Bookkeeping."""

    async def create_incident(
        self,
        *,
        plan_id: str,
        chat: str,
        reporter: str,
        description: str,
        reported_at: datetime,
        attachments: Sequence[Attachment] = (),
        is_drill: bool = False,
        lang: str = "zh_CN",
        extra: Mapping[str, Any] | None = None,
        plan_digest: str | None = None,
    ) -> Incident:
        """Insert a REPORTED incident with the next number #N and version 0."""
        number = int(await self.db.scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents"))
        incident_id = await self.db.insert(
            "INSERT INTO incidents (number, plan_id, chat, state, reporter, description,"
            " reported_at, is_drill, lang, version, extra, plan_digest)"
            " VALUES (?,?,?,?,?,?,?,?,?,0,?,?)",
            (
                number,
                plan_id,
                chat,
                State.REPORTED.value,
                reporter,
                description,
                to_text(reported_at),
                int(is_drill),
                lang,
                codec.to_json(dict(extra or {})),
                plan_digest,
            ),
        )
        if attachments:
            await self.db.executemany(
                "INSERT INTO attachments (incident_id, position, kind, value, name)"
                " VALUES (?, ?, ?, ?, ?)",
                [(incident_id, i, a.kind, a.value, a.name) for i, a in enumerate(attachments)],
            )
        await self._changed(incident_id)
        incident = Incident(  # as get_incident would read it back, without reading it back
            id=incident_id,
            number=number,
            plan_id=plan_id,
            chat=chat,
            state=State.REPORTED,
            reporter=reporter,
            description=description,
            reported_at=codec.from_text(to_text(reported_at)),
            is_drill=bool(is_drill),
            lang=lang,
            attachments=tuple(attachments),
            extra=codec.from_json(codec.to_json(dict(extra or {}))),
            plan_digest=plan_digest,
        )
        exact.known(incident)
        return incident

    async def _changed(self, incident_id: int, state: State | None = None) -> None:
        """Every write to an incident's rows: its wake-up and what is known of it are void."""
        exact.changed(incident_id)
        await wakeups.forget(self.db, incident_id, state)

    async def update_incident(self, incident_id: int, expected_version: int, **fields: Any) -> int:
        """Change columns if the version still matches; return the new version, else Conflict."""
        unknown = sorted(set(fields) - set(UPDATABLE))
        if unknown:
            raise TypeError(f"update_incident() cannot change {', '.join(unknown)}")
        names = list(fields)
        values = [UPDATABLE[name](fields[name]) for name in names]
        assignments = "".join(f"{name} = ?, " for name in names)
        changed = await self.db.execute(
            f"UPDATE incidents SET {assignments}version = version + 1 WHERE id = ? AND version = ?",
            (*values, incident_id, expected_version),
        )
        if changed == 1:
            await self._changed(incident_id, fields.get("state"))
            return expected_version + 1
        row = await self.db.one(
            "SELECT number, version FROM incidents WHERE id = ?", (incident_id,)
        )
        if row is None:
            raise NotFound(item=f"incident {incident_id}")
        raise Conflict(
            number=row["number"], expected=expected_version, actual=row["version"], id=incident_id
        )

    async def set_answer(
        self, incident_id: int, question: str, option: str, by: str | None, at: datetime
    ) -> None:
        """Record (or replace) the answer to one grading question."""
        await self.db.execute(
            "INSERT INTO answers (incident_id, question, option, answered_by, answered_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id, question) DO UPDATE SET"
            " option = excluded.option, answered_by = excluded.answered_by,"
            " answered_at = excluded.answered_at",
            (incident_id, question, option, by, to_text(at)),
        )
        await self._changed(incident_id)

    async def clear_answers(self, incident_id: int) -> None:
        """Forget every answer of an incident."""
        await self.db.execute("DELETE FROM answers WHERE incident_id = ?", (incident_id,))
        await self._changed(incident_id)

    async def save_obligations(self, incident_id: int, states: Sequence[ObligationState]) -> None:
        """Upsert obligation states by id, keeping submitted content and who met them."""
        base = int(
            await self.db.scalar(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM obligations WHERE incident_id = ?",
                (incident_id,),
            )
        )
        rows = [_obligation_row(incident_id, base + i, state) for i, state in enumerate(states)]
        await self.db.executemany(
            "INSERT INTO obligations (incident_id, obligation_id, position, owner, due_at,"
            " status, sent, met_at, level_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (incident_id, obligation_id) DO UPDATE SET owner = excluded.owner,"
            " due_at = excluded.due_at, status = excluded.status, sent = excluded.sent,"
            " met_at = excluded.met_at, level_id = excluded.level_id",
            rows,
        )
        await self._changed(incident_id)

    async def set_obligation(
        self,
        incident_id: int,
        obligation_id: str,
        *,
        status: ObStatus | None = None,
        sent: int | None = None,
        met_at: datetime | None = None,
        met_by: str | None = None,
        content: str | None = None,
    ) -> None:
        """Change the given (non-None) fields of one obligation; NotFound if it is absent."""
        given = {
            "status": None if status is None else ObStatus(status).value,
            "sent": sent,
            "met_at": to_text_or_none(met_at),
            "met_by": met_by,
            "content": content,
        }
        changes = {name: value for name, value in given.items() if value is not None}
        assignments = ", ".join(f"{name} = ?" for name in changes) or "owner = owner"
        changed = await self.db.execute(
            f"UPDATE obligations SET {assignments} WHERE incident_id = ? AND obligation_id = ?",
            (*changes.values(), incident_id, obligation_id),
        )
        if changed != 1:
            raise NotFound(item=f"incident {incident_id} obligation {obligation_id}")
        await self._changed(incident_id)

    async def save_plan(
        self, digest: str, plan_id: str, body: Mapping[str, Any], at: datetime
    ) -> None:
        """Keep a copy of a plan under its digest (once; an existing copy is left alone)."""
        await self.db.execute(
            "INSERT INTO plan_snapshots (digest, plan_id, body, saved_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (digest) DO NOTHING",
            (digest, plan_id, codec.to_json(dict(body)), to_text(at)),
        )

    async def set_wakeups(self, times: Mapping[int, datetime | None]) -> None:
        """Record when incidents (by id) next need the clock (None: not until they change)."""
        await wakeups.record(self.db, times)

    async def add_approval(
        self,
        incident_id: int,
        *,
        kind: str,
        decision: Decision | str,
        actor: str,
        at: datetime,
        target: str | None = None,
        note: str | None = None,
    ) -> int:
        """Record an approver's decision; return its id."""
        return await self.db.insert(
            "INSERT INTO approvals (incident_id, kind, target, decision, actor, at, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (incident_id, kind, target, Decision(decision).value, actor, to_text(at), note),
        )

    async def add_event(self, event: TimelineEvent) -> int:
        """Append an event to the incident's timeline; return its id."""
        return await self.db.insert(
            "INSERT INTO timeline (incident_id, at, kind, actor, data) VALUES (?, ?, ?, ?, ?)",
            (
                event.incident_id,
                to_text(event.at),
                event.kind,
                event.actor,
                codec.to_json(event.data),
            ),
        )
