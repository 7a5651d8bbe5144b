"""A chat's language as service calls on a real SQLite file: chosen, else the plan's, else zh_CN."""

from pathlib import Path

import pytest
from support import CHAT, PLAN_TEXT, T0, small_plan, tg_actor

from bot.domain.access import NotAllowed
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.languages import NAMESPACE, chat_language, set_language, translator
from bot.service.plans import PlanBook
from bot.store import SqliteStore

BOSS, CLERK, STRANGER = tg_actor(1, None, "组长"), tg_actor(2, "clerk"), tg_actor(99)
ENGLISH = "telegram:-100700"  # bound to a plan written in English
UNBOUND = "telegram:-100600"


async def service_on(db: Path) -> IncidentService:
    """The service on ``db``: the small plan in CHAT, an English copy of it in ENGLISH."""
    english = small_plan(
        PLAN_TEXT.replace("id: small", "id: small_en\nlanguage: en", 1).replace(
            "-100500", "-100700"
        )
    )
    plans = PlanBook([small_plan(PLAN_TEXT), english])
    return IncidentService(await SqliteStore.open(db), plans, ManualClock(T0))


async def test_chosen_else_the_plans_else_the_default(tmp_path: Path) -> None:
    service = await service_on(tmp_path / "y.db")
    try:
        assert await chat_language(service, CHAT) == "zh_CN"
        assert await chat_language(service, ENGLISH) == "en"
        assert await chat_language(service, UNBOUND) == "zh_CN"
        assert await set_language(service, ENGLISH, BOSS, "zh") == "zh_CN"
        assert await set_language(service, CHAT, CLERK, "en-US") == "en"
        assert await chat_language(service, ENGLISH) == "zh_CN"
        assert (await translator(service, CHAT)).lang == "en"
    finally:
        await service.store.close()
    service = await service_on(tmp_path / "y.db")  # the choice outlives a restart
    try:
        assert await chat_language(service, CHAT) == "en"
        assert await chat_language(service, ENGLISH) == "zh_CN"
        assert await service.store.kv_items(NAMESPACE) == {CHAT: "en", ENGLISH: "zh_CN"}
    finally:
        await service.store.close()


async def test_only_someone_holding_a_role_chooses_in_a_bound_chat(tmp_path: Path) -> None:
    service = await service_on(tmp_path / "y.db")
    try:
        with pytest.raises(NotAllowed) as refused:
            await set_language(service, CHAT, STRANGER, "en")
        assert refused.value.params["role_ids"] == ["leader", "office", "monitor"]
        assert await chat_language(service, CHAT) == "zh_CN"
        assert await set_language(service, UNBOUND, STRANGER, "en") == "en"  # nothing at stake
        assert await chat_language(service, UNBOUND) == "en"
    finally:
        await service.store.close()


async def test_a_stored_code_from_an_older_version_is_normalised(tmp_path: Path) -> None:
    service = await service_on(tmp_path / "y.db")
    try:
        async with service.store.transaction() as tx:
            await tx.kv_set(NAMESPACE, CHAT, "en_US.UTF-8")
        assert await chat_language(service, CHAT) == "en"
    finally:
        await service.store.close()
