"""Reading an incident's facts from the store, with people's names resolved."""

from __future__ import annotations

from datetime import datetime

from bot.domain.access import DRILL
from bot.domain.incident import Incident
from bot.domain.plan import Plan
from bot.export.model import Facts
from bot.store import Store


def _plan_names(plan: Plan) -> dict[str, str]:
    """Person keys of the plan's people (``wecom:zhangsan``, ``drill:boss`` …) -> their names."""
    names: dict[str, str] = {}
    for person in plan.people.values():
        for transport, handle in person.handles().items():
            names[f"{transport}:{handle}"] = person.name
            if isinstance(handle, int):  # drills once acted by numeric user id: "drill:42"
                names.setdefault(f"{DRILL}:{handle}", person.name)
    for person_id, person in plan.people.items():  # a drill acts as the plan's people
        names[f"{DRILL}:{person_id}"] = person.name
    return names


async def gather(store: Store, incident: Incident, plan: Plan, now: datetime) -> Facts:
    """Everything the written report needs about one incident."""
    events = await store.timeline(incident.id)
    approvals = await store.approvals(incident.id)
    contents = {}
    for ob in incident.obligations:
        text = await store.obligation_content(incident.id, ob.id)
        if text:
            contents[ob.id] = text
    names = _plan_names(plan)
    keys = {incident.reporter, *(e.actor for e in events), *(a.actor for a in approvals)}
    for key in sorted(k for k in keys if k and k not in names):
        person = await store.person(key)
        if person is not None and person.display_name:
            names[key] = person.display_name
    for event in events:  # a name given at the time wins over a later lookup failure
        if event.actor and event.actor not in names and event.data.get("actor_name"):
            names[event.actor] = str(event.data["actor_name"])
    reporter_name = incident.extra.get("reporter_name")
    if reporter_name:
        names.setdefault(incident.reporter, str(reporter_name))
    return Facts(incident, plan, events, approvals, contents, names, now)
