"""Reading an incident's facts from the store, with people's names resolved."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.domain.access import DRILL
from bot.domain.evidence import Evidence, Kept
from bot.domain.incident import Incident
from bot.domain.plan import Plan
from bot.export.model import EvidenceItem, Facts
from bot.service.shelf import Shelf
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


EXTENSIONS = {"photo": ".jpg", "voice": ".ogg"}  # what messengers send them as


def file_name(item: Evidence) -> str:
    """The file's own name, or one made from what it is (``photo-3.jpg``)."""
    return item.name or f"{item.kind}-{item.id}{EXTENSIONS.get(item.kind, '')}"


def evidence_items(items: list[Evidence], shelf: Shelf | None) -> list[EvidenceItem]:
    """The incident's files for the report; a path only where the file is on the shelf."""
    return [
        EvidenceItem(
            kind=item.kind,
            name=file_name(item),
            path=_kept_path(item, shelf),
            size=item.size or 0,
            at=item.at,
        )
        for item in items
    ]


def _kept_path(item: Evidence, shelf: Shelf | None) -> Path | None:
    """Where a kept file is, if it is kept and still on the shelf."""
    if shelf is None or item.status is not Kept.KEPT or not item.digest:
        return None
    return shelf.path(item.digest) if shelf.has(item.digest) else None


async def gather(
    store: Store, incident: Incident, plan: Plan, now: datetime, shelf: Shelf | None = None
) -> Facts:
    """Everything the written report needs about one incident (its files from ``shelf``)."""
    events = await store.timeline(incident.id)
    files = await store.evidence(incident.id)
    approvals = await store.approvals(incident.id)
    contents = {}
    for ob in incident.obligations:
        text = await store.obligation_content(incident.id, ob.id)
        if text:
            contents[ob.id] = text
    names = _plan_names(plan)
    keys = {incident.reporter, *(e.actor for e in events), *(a.actor for a in approvals)}
    keys.update(item.actor for item in files)
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
    evidence = evidence_items(files, shelf)
    return Facts(incident, plan, events, approvals, contents, names, now, evidence)
