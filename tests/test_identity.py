"""Identity per messenger: handles and chats per messenger in the plan, people found by them."""

from pathlib import Path

import pytest
from support import PLAN_TEXT, SMALL_PLAN, T0, small_plan

from bot.domain.access import Actor, NotAllowed
from bot.domain.errors import PlanError
from bot.domain.incident import TimelineEvent
from bot.domain.plan import Plan
from bot.export.gather import gather
from bot.planfile import load_plan, plan_files
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
CHATS = "chats: {telegram: [-100500], wecom: [wrGroup1], dingtalk: [cidAbC+1==], feishu: [oc_42]}"
MULTI = (
    SMALL_PLAN.replace("people:", f"{CHATS}\npeople:", 1)
    .replace(
        "  boss: {name: 组长, telegram: 1}",
        '  boss: {name: 组长, telegram: 1, wecom: zhangsan, dingtalk: "0123", feishu: ou_7d8a}',
    )
    .replace(
        "  eye: {name: 信息员, telegram: 3}", "  eye: {name: 信息员, telegram: 3, wecom: lisi}"
    )
)
WECOM_BOSS, WECOM_EYE = Actor("wecom", "zhangsan"), Actor("wecom", "lisi", None, "李四")


def test_existing_plans_load_unchanged() -> None:
    plan = small_plan(PLAN_TEXT)
    assert plan.people["boss"].handles() == {"telegram": 1}
    assert plan.people["clerk"].handle("telegram") == "@clerk"
    assert plan.people["boss"].handle("wecom") is None
    assert plan.chats.keys() == ["telegram:-100500"]
    for path in plan_files(ROOT / "plans"):
        shipped = load_plan(path)
        assert shipped.chats.keys() == [f"telegram:{chat}" for chat in shipped.chats.telegram]
        assert all(set(p.handles()) <= {"telegram"} for p in shipped.people.values())


def test_a_handle_and_chats_on_every_messenger() -> None:
    plan = small_plan(MULTI)
    boss = plan.people["boss"]
    assert [boss.handle(m) for m in ("telegram", "wecom", "dingtalk", "feishu", "slack")] == [
        1,
        "zhangsan",
        "0123",
        "ou_7d8a",
        None,
    ]
    assert plan.chats.keys() == [
        "telegram:-100500",
        "wecom:wrGroup1",
        "dingtalk:cidAbC+1==",
        "feishu:oc_42",
    ]
    # the copy kept with incidents reads back as the same plan
    kept = Plan.model_validate(plan.model_dump(mode="json", by_alias=True))
    assert (kept.people, kept.chats) == (plan.people, plan.chats)


def test_the_schema_lists_every_messenger() -> None:
    defs = Plan.model_json_schema(by_alias=True)["$defs"]
    for model in ("Person", "Chats"):
        assert {"telegram", "wecom", "dingtalk", "feishu"} <= set(defs[model]["properties"])
    wecom = defs["Person"]["properties"]["wecom"]["anyOf"][0]
    assert (wecom["type"], wecom["maxLength"]) == ("string", 64)


def test_the_plan_book_binds_chats_of_every_messenger() -> None:
    plan = small_plan(MULTI)
    book = PlanBook([plan])
    assert set(book.chats()) == set(plan.chats.keys())
    assert book.for_chat("wecom:wrGroup1") is plan and book.for_chat("feishu:oc_42") is plan
    other = small_plan(
        SMALL_PLAN.replace("id: small", "id: other").replace(
            "people:", "chats: {wecom: [wrGroup1]}\npeople:"
        )
    )
    with pytest.raises(PlanError) as caught:
        PlanBook([plan, other])
    assert caught.value.key == "error.chat_bound_twice"
    assert caught.value.params["chat"] == "wecom:wrGroup1"


async def test_an_incident_in_a_wecom_group_checks_roles_by_wecom_userid(tmp_path: Path) -> None:
    chat = "wecom:wrGroup1"
    async with await SqliteStore.open(tmp_path / "y.db") as store:
        service = IncidentService(store, PlanBook([small_plan(MULTI)]), ManualClock(T0))
        incident = await service.open_report(chat, WECOM_EYE, "某网帖称……")
        for index, option in enumerate(["high", "yes", "no"]):
            await service.answer(incident.id, WECOM_EYE, index, option)
        with pytest.raises(NotAllowed):  # "1" is boss's Telegram id, not a WeCom userid
            await service.confirm(incident.id, Actor("wecom", "1", "boss"))
        confirmed = await service.confirm(incident.id, WECOM_BOSS)
        assert confirmed.reporter == "wecom:lisi"
        async with store.transaction() as tx:  # an older drill acted by numeric Telegram id
            await tx.add_event(TimelineEvent(incident.id, T0, "note", "drill:1"))
            await tx.add_event(TimelineEvent(incident.id, T0, "note", "drill:eye"))
        plan = await service.plan_for(confirmed)
        facts = await gather(store, confirmed, plan, T0)
    assert facts.names["wecom:zhangsan"] == "组长"  # named by the plan, not by the messenger
    assert facts.names["wecom:lisi"] == "信息员"
    assert facts.names["drill:1"] == "组长" and facts.names["drill:eye"] == "信息员"
