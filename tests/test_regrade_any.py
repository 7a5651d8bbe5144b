"""A leader regrades to any level in one press: every shipped plan, every level, to every other.

The card offers the level above and below (升级 / 降级) and, for levels further away, a button
naming the level (⏫ 升为特别重大); each press goes through the one dispatch, leader-only.
"""

from pathlib import Path

import pytest
from support import T0
from walk_support import SHIPPED, actor, shipped

from bot.domain.access import NotAllowed
from bot.i18n import Translator
from bot.render.card import card
from bot.service.buttons import Regrade, unpack
from bot.service.clock import ManualClock
from bot.service.dispatch import Dispatch
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore

CHAT_ID = -100601
CHAT = f"telegram:{CHAT_ID}"


def regrades(doc_buttons: list[str]) -> dict[str, str]:
    """The card's regrade buttons: target level id -> packed data."""
    found = {}
    for data in doc_buttons:
        press = unpack(data)
        if isinstance(press, Regrade):
            assert press.level not in found, "two buttons regrade to one level"
            found[press.level] = data
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
async def test_the_card_regrades_to_every_other_level_in_one_press(
    path: Path, tmp_path: Path
) -> None:
    plan = shipped(path, CHAT_ID)
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = IncidentService(store, PlanBook([plan]), ManualClock(T0))
        dispatch = Dispatch(service, lambda chat: _zh())
        reporter = actor(plan, ["monitor"] if "monitor" in plan.roles else list(plan.roles))
        for start in plan.level_ids:
            incident = await service.open_report(CHAT, reporter, f"网帖 {start}")
            for index, question in enumerate(plan.questions):
                option = question.options[0].id
                incident = await service.answer(incident.id, reporter, index, option)
            if incident.level_id != start:
                leader = actor(plan, plan.level(incident.level_id or "").approve)
                incident = await service.regrade(incident.id, leader, start)
            for target in plan.level_ids:
                if target == start:
                    continue
                leader = actor(plan, plan.level(start).approve)
                for lang in ("zh_CN", "en"):
                    doc = card(incident, plan, Translator(lang), T0, [])
                    buttons = [b.data for row in doc.buttons for b in row]
                    offered = regrades(buttons)
                    assert set(offered) == set(plan.level_ids) - {start}
                with pytest.raises(NotAllowed):
                    await dispatch(unpack(offered[target]), reporter, CHAT)
                moved = await dispatch(unpack(offered[target]), leader, CHAT)
                assert moved.incident is not None and moved.incident.level_id == target
                back = actor(plan, plan.level(target).approve)
                incident = await service.regrade(incident.id, back, start)


async def _zh() -> str:
    return "zh_CN"
