"""A burst of due reminders is written in batches, each tick asking to be called again at once."""

from support import CHAT, tg_actor

from bot.service import ticking
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService

EYE = tg_actor(3)


async def test_a_burst_is_ticked_in_batches_and_each_reminder_sent_once(
    service: IncidentService,
) -> None:
    count = ticking.BATCH + 7
    for _ in range(count):
        incident = await service.open_report(CHAT, EYE, "某网帖")
        for index, option in enumerate(["low", "no", "no"]):
            await service.answer(incident.id, EYE, index, option)
    first = await service.tick("telegram")  # works out every wake-up; nothing due yet
    assert first is not None and first > service.clock.now()
    clock = service.clock
    assert isinstance(clock, ManualClock)
    clock.set(first)  # the 20-minute warnings of every incident fall due together
    assert await service.tick("telegram") == first  # a full batch: look again right away
    rest = await service.tick("telegram")
    assert rest is not None and rest > first
    assert await service.tick("telegram") == rest  # nothing left at this moment
    reminders = [i for i in await service.store.pending(limit=1000) if i.kind == "reminder"]
    assert len(reminders) == count
    assert len({(r.incident_id, r.payload["number"]) for r in reminders}) == count
