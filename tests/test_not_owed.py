"""A task no longer owed (dropped in a regrade) is refused with the tasks that are still open."""

from __future__ import annotations

import pytest
from test_service import BOSS, CLERK, report_high

from bot.i18n import Translator
from bot.render.errors import shown_params
from bot.service.incidents import IncidentService
from bot.service.work import NotOwedAnyMore


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_dropped_task_is_refused_with_the_open_ones(
    service: IncidentService, lang: str
) -> None:
    incident_id = await report_high(service)
    await service.confirm(incident_id, BOSS)
    await service.regrade(incident_id, BOSS, "mid")  # 上报 and 通稿 are no longer required
    with pytest.raises(NotOwedAnyMore) as caught:
        await service.done(incident_id, CLERK, "上报")
    plan = service.plans.get("small")
    t = Translator(lang)
    text = t(caught.value.key, **shown_params(caught.value.params, plan, t))
    assert ("上报" in text) and ("report" not in text.split("\n")[0])
    listed = text.split("\n")[1:]
    assert any("回复" in line and "reply" in line for line in listed)  # "n. name (id)"
    assert any("核实" in line and "verify" in line for line in listed)
    assert not any("通稿" in line for line in listed)
