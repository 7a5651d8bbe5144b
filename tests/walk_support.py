"""The shipped plans, bound to a test chat, and people who act in them by role."""

from __future__ import annotations

from pathlib import Path

from bot.domain.access import Actor
from bot.domain.plan import Chats, Plan
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.render.messages import compose
from bot.render.plain import to_plain
from bot.service.incidents import IncidentService

SHIPPED = sorted((Path(__file__).parent.parent / "plans").glob("*.yaml"))


def shipped(path: Path, chat: int) -> Plan:
    """A shipped plan that runs in ``chat``."""
    return load_plan(path).model_copy(update={"chats": Chats(telegram=[chat])})


def actor(plan: Plan, roles: list[str]) -> Actor:
    """A person of the plan holding one of ``roles``, acting by their Telegram id."""
    for person_id in plan.members(roles):
        ref = plan.people[person_id].telegram
        if isinstance(ref, int):
            return Actor("telegram", str(ref), None, plan.people[person_id].name)
    raise AssertionError(f"nobody with a numeric id holds {roles} in {plan.id}")


def walk(levels: list[str], start: str) -> list[str]:
    """From ``start`` up to the top, down to the bottom and up again: every step both ways."""
    top, bottom = levels[-1], levels[0]
    route = [*levels[levels.index(start) + 1 :], *reversed(levels[:-1]), *levels[1:]]
    assert route[-1] == top and bottom in route
    return route


async def drawn(service: IncidentService, langs: tuple[str, ...] = ("zh_CN",)) -> list[str]:
    """Every owed message drawn as the group reads it (in each of ``langs``), then marked sent."""
    texts = []
    for item in await service.store.pending():
        incident = await service.store.get_incident(item.incident_id or 0)
        assert incident is not None
        plan = await service.plan_for(incident)
        content = None
        if "obligation" in item.payload:
            obligation = item.payload["obligation"]
            content = await service.store.obligation_content(incident.id, obligation)
        for lang in langs:
            doc = compose(item, incident, plan, Translator(lang), service.clock.now(), content)
            texts.append(to_plain(doc, plan.people))
        async with service.store.transaction() as tx:
            await tx.mark_sent(item.id, service.clock.now())
    return texts
