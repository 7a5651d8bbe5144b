"""The clock's use case: send what fell due, once, and say when to look again."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.domain.errors import StoreError
from bot.domain.fitting import Fitted, PlanGone
from bot.domain.incident import Incident
from bot.domain.ladder import step_roles
from bot.domain.lifecycle import LIVE_STATES
from bot.domain.messages import N_
from bot.domain.obligations import ObStatus, Reminder, task_spec
from bot.domain.timing import Due, what_is_due
from bot.service.base import Editing
from bot.service.drift import DriftNotices
from bot.service.firstlook import PAGE, FirstLook
from bot.service.outbox import Kind, mentions, notice, reminder_mentions, rules_for, send
from bot.store import Tx

log = logging.getLogger(__name__)

BATCH = 50  # due incidents read per tick: a burst is handed to the sender as it is written


class Ticking(DriftNotices):
    """Reminders, follow-up prompts and abandoned reports, driven by the clock.

    One incident that cannot be ticked (its plan is gone, or a bug) is logged once and set
    aside until it changes; every other incident keeps its reminders.
    """

    async def tick(self, transport: str | None = None) -> datetime | None:
        """Record and enqueue everything due now; return when the next thing falls due.

        With ``transport``, only incidents of that transport's chats (a bot and a drill may
        share a database; each ticks its own). A tick reads at most a page of the first look
        (see bot/service/firstlook.py) and ``BATCH`` incidents that changed or fell due; while
        more is left it returns now, so that the caller delivers and calls again.
        """
        now = self.clock.now()
        walking = await self._first_look(now, transport)
        due_now, full = await self._wakeups(now, transport)
        for incident_id in due_now:
            try:
                async with self.editing(incident_id) as edit:
                    # decided again inside the transaction: another tick may have sent it
                    due = what_is_due(edit.incident.snapshot(), edit.plan, edit.now)
                    await self._apply(edit, due)
                    await edit.tx.set_wakeups({incident_id: due.next_at})
            except StoreError:
                raise
            except Exception as exc:
                await self._set_aside(incident_id, exc)
            # SQLite runs on the event loop and never waits: without this, a batch of due
            # incidents would hold the sender and every reply until the whole batch is written
            await asyncio.sleep(0)
        if walking or full:
            return now  # more to look at: again at once (the caller delivers this batch)
        return await self.store.next_wakeup(states=LIVE_STATES, transport=transport)

    async def _first_look(self, now: datetime, transport: str | None) -> bool:
        """Look at the next page of live incidents not yet looked at since start; True: more.

        The plans may have changed since the stored wake-ups were worked out: each incident's
        drift is told (once) and its wake-up worked out again; one due now is left to
        ``_wakeups`` in this same tick.
        """
        look = self.looked.setdefault(transport, FirstLook())
        if look.done:
            return False
        times: dict[int, datetime | None] = {}
        async with self.store.transaction() as tx:
            page = await self.store.incidents_after(
                look.after, states=LIVE_STATES, transport=transport, limit=PAGE
            )
            for incident in page:
                if look.pending(incident.id):
                    due = self._due(incident, await self._fitted_or_none(incident, now, tx), now)
                    times[incident.id] = self._wakeup(due, now)
            await tx.set_wakeups(times)
        look.advanced(page[-1].id if page else None, len(page) >= PAGE)
        return not look.done

    @staticmethod
    def _wakeup(due: Due | None, now: datetime) -> datetime | None:
        """When the incident next needs the clock: now if something is due, None if never."""
        if due is None:
            return None
        return now if due.anything else due.next_at

    async def _wakeups(self, now: datetime, transport: str | None) -> tuple[list[int], bool]:
        """Work out up to ``BATCH`` wake-ups that are unknown or due; the incidents with
        something due now, and whether more may be waiting.

        An incident the first look has not reached yet is looked at here (drift told once).
        """
        look = self.looked.setdefault(transport, FirstLook())
        due_now: list[int] = []
        times: dict[int, datetime | None] = {}
        early: list[int] = []
        # wake-ups are worked out again from the incidents: no need to wait for the disk
        async with self.store.transaction(durable=False) as tx:
            found = await self.store.wakeups_due(
                now, states=LIVE_STATES, transport=transport, limit=BATCH
            )
            for incident in found:
                first = look.pending(incident.id)
                if first:
                    early.append(incident.id)
                fitted = await self._fitted_or_none(incident, now, tx if first else None)
                due = self._due(incident, fitted, now)
                if due is None or not due.anything:
                    times[incident.id] = due.next_at if due else None
                else:
                    due_now.append(incident.id)
            await tx.set_wakeups(times)
        look.early.update(early)  # only once the drift notices are committed
        return due_now, len(found) >= BATCH

    async def _fitted_or_none(
        self, incident: Incident, now: datetime, tx: Tx | None
    ) -> Fitted | None:
        """The incident's fitted plan (drift told once on the first look); None: set aside."""
        try:
            fitted = await self.resolver.fitted(incident)
            if tx is not None:
                await self.tell_drift(incident, fitted, now, tx)
        except StoreError:
            raise
        except PlanGone:
            self._aside_once(
                incident.id,
                "incident #%s: plan %r is not loaded and no copy was stored; set aside",
                incident.number,
                incident.plan_id,
            )
            return None
        except Exception as exc:  # a bug meeting this incident's data: it alone waits
            self._aside_once(incident.id, "incident #%s: %s; set aside", incident.number, exc)
            return None
        if self.plans.current(incident.plan_id, incident.chat) is None:
            self._aside_once(
                incident.id,
                "incident #%s: plan %r is not loaded and its chat runs no plan; no more reminders",
                incident.number,
                incident.plan_id,
            )
            return None
        return fitted

    def _due(self, incident: Incident, fitted: Fitted | None, now: datetime) -> Due | None:
        """What is due for one incident; None (logged once) when it cannot be worked out."""
        if fitted is None:
            return None
        try:
            return what_is_due(incident.snapshot(), fitted.plan, now)
        except Exception as exc:
            self._aside_once(incident.id, "incident #%s: %s; set aside", incident.number, exc)
            return None

    async def _set_aside(self, incident_id: int, exc: Exception) -> None:
        """Log a failed tick of one incident once and stop waking it until it changes."""
        async with self.store.transaction() as tx:
            await tx.set_wakeups({incident_id: None})
        found = await self.store.get_incident(incident_id)
        number = found.number if found else incident_id
        self._aside_once(incident_id, "incident #%s: tick failed (%s); set aside", number, exc)

    def _aside_once(self, incident_id: int, message: str, *args: object) -> None:
        """Log why an incident is set aside, the first time only (traceback for a bug)."""
        if incident_id not in self.aside:
            error = next((a for a in args if isinstance(a, Exception)), None)
            log.log(logging.ERROR if error else logging.WARNING, message, *args, exc_info=error)
        self.aside.add(incident_id)

    async def _apply(self, edit: Editing, due: Due) -> None:
        """Write what ``due`` says was sent, with the messages, in one transaction."""
        if due.abandon:
            await self.abandon(edit)
            return
        if due.opened:  # before the reminders: one may be for a report opened now
            await edit.tx.save_obligations(edit.incident.id, due.opened)
            for state in due.opened:
                await edit.event("report_opened", None, obligation=state.id)
            await edit.reload()
        for reminder in due.reminders:
            await self._remind(edit, reminder)
        for obligation_id in due.owed:
            await self._standby(edit, obligation_id, ObStatus.OPEN, N_("notice.standby_owed"))
        for obligation_id in due.spared:
            await self._standby(edit, obligation_id, ObStatus.SPARED, N_("notice.standby_spared"))
        if due.opened or due.owed or due.spared:
            await send(edit.tx, edit.incident, Kind.CARD, edit.now, announce=False, mentions=[])

    async def _remind(self, edit: Editing, reminder: Reminder) -> None:
        """Record one reminder (and the ladder step it climbed) and owe the chat its message."""
        await edit.tx.set_obligation(edit.incident.id, reminder.obligation, sent=reminder.index + 1)
        rules = rules_for(edit.plan, edit.incident, reminder.obligation)
        payload = {
            "obligation": reminder.obligation,
            "reminder": reminder.kind.value,
            "number": reminder.number,
            "escalate": reminder.escalate,
            "step": reminder.step,
            "climbed": reminder.climbed,
            "roles": step_roles(rules, reminder.step) if reminder.climbed else [],
            "awaiting_approval": reminder.awaiting_approval,
            "due_at": reminder.due_at.isoformat(),
            "remind_at": reminder.at.isoformat(),  # its own time: lateness is measured from it
        }
        # a reminder that climbs a rung is recorded as the escalation it is
        await edit.event("escalation" if reminder.climbed else "reminder", None, **payload)
        tagged = reminder_mentions(edit.plan, edit.incident, reminder)
        await send(edit.tx, edit.incident, Kind.REMINDER, edit.now, mentions=tagged, **payload)

    async def _standby(self, edit: Editing, obligation_id: str, status: ObStatus, key: str) -> None:
        """A standby task becomes owed, or is no longer needed: recorded and told."""
        before = edit.incident.obligation(obligation_id)
        await edit.tx.set_obligation(edit.incident.id, obligation_id, status=status)
        spec = task_spec(edit.plan, edit.incident.level_id, before)
        condition = spec.if_overdue or ""
        owed = status is ObStatus.OPEN
        met = any(o.id == condition and o.status is ObStatus.MET for o in edit.incident.obligations)
        reason = "overdue" if owed else "met" if met else "dropped"
        kind = "standby_owed" if owed else "standby_spared"
        await edit.event(kind, None, obligation=obligation_id, condition=condition, reason=reason)
        if reason == "dropped":
            key = N_("notice.standby_spared_dropped")
        tagged = mentions(edit.plan, [spec.owner]) if owed else []
        due = before.due_at.isoformat() if before.due_at else None
        await notice(
            edit.tx,
            edit.incident,
            edit.now,
            key,
            tagged,
            obligation=obligation_id,
            condition=condition,
            due_at=due,
        )
