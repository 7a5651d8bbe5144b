"""The clock's use case: send what fell due, once, and say when to look again."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.lifecycle import LIVE_STATES
from bot.domain.timing import Due, what_is_due
from bot.service.base import Editing
from bot.service.outbox import Kind, mentions, reminder_mentions, send
from bot.service.reporting import Reporting

log = logging.getLogger(__name__)

BATCH = 50  # due incidents per tick: a burst is handed to the sender as it is written


class Ticking(Reporting):
    """Reminders, follow-up prompts and abandoned reports, driven by the clock."""

    async def tick(self, transport: str | None = None) -> datetime | None:
        """Record and enqueue everything due now; return when the next thing falls due.

        With ``transport``, only incidents of that transport's chats (a bot and a drill may
        share a database; each ticks its own). Only incidents that changed or fell due are
        read; each one's next wake-up is kept in the store.
        """
        now = self.clock.now()
        due_now = await self._wakeups(now, transport)
        for incident_id in due_now[:BATCH]:
            async with self.editing(incident_id) as edit:
                # decided again inside the transaction: another tick may have sent it
                due = what_is_due(edit.incident.snapshot(), edit.plan, edit.now)
                await self._apply(edit, due)
                await edit.tx.set_wakeups({incident_id: due.next_at})
        if len(due_now) > BATCH:
            return now  # more is due: look again at once (the caller delivers this batch)
        return await self.store.next_wakeup(states=LIVE_STATES, transport=transport)

    async def _wakeups(self, now: datetime, transport: str | None) -> list[int]:
        """Work out the wake-ups that are unknown; return the incidents with something due.

        The first tick looks at every live incident: the plans may have changed since the
        stored wake-ups were worked out.
        """
        due_now: list[int] = []
        times: dict[int, datetime | None] = {}
        async with self.store.transaction() as tx:
            if transport in self.looked:
                found = await self.store.wakeups_due(now, states=LIVE_STATES, transport=transport)
            else:
                found = await self.store.list_incidents(states=LIVE_STATES)
            for incident in found:
                if transport is not None and not incident.chat.startswith(f"{transport}:"):
                    continue
                try:
                    plan = self.plans.get(incident.plan_id)
                except KeyError:
                    log.warning(
                        "incident #%s: plan %r is not loaded", incident.number, incident.plan_id
                    )
                    continue
                due = what_is_due(incident.snapshot(), plan, now)
                if due.reminders or due.follow_up or due.abandon:
                    due_now.append(incident.id)
                else:
                    times[incident.id] = due.next_at
            await tx.set_wakeups(times)
        self.looked.add(transport)
        return due_now

    async def _apply(self, edit: Editing, due: Due) -> None:
        """Write what ``due`` says was sent, with the messages, in one transaction."""
        if due.abandon:
            await self.abandon(edit)
            return
        for reminder in due.reminders:
            await edit.tx.set_obligation(
                edit.incident.id, reminder.obligation, sent=reminder.index + 1
            )
            payload = {
                "obligation": reminder.obligation,
                "reminder": reminder.kind.value,
                "number": reminder.number,
                "escalate": reminder.escalate,
                "awaiting_approval": reminder.awaiting_approval,
                "due_at": reminder.due_at.isoformat(),
            }
            await edit.event("reminder", None, **payload)
            tagged = reminder_mentions(edit.plan, edit.incident, reminder)
            await send(edit.tx, edit.incident, Kind.REMINDER, edit.now, mentions=tagged, **payload)
        prompt = due.follow_up
        if prompt is not None:
            await edit.save(followups_sent=prompt.number)
            await edit.event("follow_up", None, number=prompt.number, skipped=prompt.skipped)
            if not prompt.skipped and edit.plan.follow_up is not None:
                tagged = mentions(edit.plan, [edit.plan.follow_up.owner])
                await send(
                    edit.tx,
                    edit.incident,
                    Kind.FOLLOW_UP,
                    edit.now,
                    number=prompt.number,
                    of=prompt.of,
                    mentions=tagged,
                )
