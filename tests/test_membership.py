"""Membership as service calls, on a real SQLite file: people who left, the bot removed and back."""

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from support import CHAT, PLAN_TEXT, T0, small_plan, tg_actor

from bot.domain.access import Actor
from bot.render.doc import Doc
from bot.render.plain import to_plain
from bot.service import languages, membership
from bot.service.clock import ManualClock
from bot.service.incidents import IncidentService
from bot.service.plans import PlanBook
from bot.store import SqliteStore

BOSS, CLERK, EYE = tg_actor(1, None, "王 组长"), tg_actor(2, "clerk"), tg_actor(3)
STRANGER = tg_actor(99)
OTHER = "telegram:-100600"  # a group no plan lists
LEFT_BOSS = "⚠️ 王 组长（组长）已离开本群，但预案《测试预案》仍指定其职责"
BACK = "机器人已重新加入本群，恢复发送提醒。"


@asynccontextmanager
async def opened(db: Path) -> AsyncIterator[IncidentService]:
    """The service on the database at ``db`` (the small plan bound to CHAT): one bot run."""
    store = await SqliteStore.open(db)
    try:
        yield IncidentService(store, PlanBook([small_plan(PLAN_TEXT)]), ManualClock(T0))
    finally:
        await store.close()


def text(doc: Doc | None) -> str:
    """What a message says, as plain text."""
    assert doc is not None
    return to_plain(doc)


async def test_someone_who_left_is_refused_until_back_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with opened(db) as service:
        assert not await membership.is_gone(service, CHAT, BOSS.key)
        warning = await membership.person_left(service, CHAT, BOSS)
        assert text(warning).startswith(LEFT_BOSS)
        assert await membership.is_gone(service, CHAT, BOSS.key)
        assert not await membership.is_gone(service, OTHER, BOSS.key)  # only in that group
        assert not await membership.is_gone(service, CHAT, CLERK.key)
    async with opened(db) as service:
        assert await membership.is_gone(service, CHAT, BOSS.key)
        assert await membership.person_left(service, CHAT, BOSS) is None  # told once
        assert await membership.person_back(service, CHAT, BOSS.key)
    async with opened(db) as service:
        assert not await membership.is_gone(service, CHAT, BOSS.key)
        assert not await membership.person_back(service, CHAT, BOSS.key)  # was not gone
        assert text(await membership.person_left(service, CHAT, BOSS)).startswith(LEFT_BOSS)


async def test_the_group_is_told_only_about_people_its_plan_names(tmp_path: Path) -> None:
    async with opened(tmp_path / "y.db") as service:
        assert await membership.person_left(service, CHAT, STRANGER) is None
        assert await membership.is_gone(service, CHAT, STRANGER.key)  # refused all the same
        assert await membership.person_left(service, OTHER, BOSS) is None  # no plan there
        assert await membership.is_gone(service, OTHER, BOSS.key)
        by_name = await membership.person_left(service, CHAT, CLERK)  # matched by @username
        assert text(by_name).startswith("⚠️ @clerk（办公室）已离开本群")


async def test_the_warning_speaks_the_chats_language(tmp_path: Path) -> None:
    async with opened(tmp_path / "y.db") as service:
        await languages.set_language(service, CHAT, BOSS, "en")
        warning = text(await membership.person_left(service, CHAT, BOSS))
        assert warning.startswith("⚠️ 王 组长 (Leader) has left this group")
        assert "the plan “Test plan” still names them" in warning


async def test_what_older_versions_stored_is_read_the_same(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with opened(db) as service, service.store.transaction() as tx:
        await tx.kv_set("telegram_left_members", f"{CHAT}:1", T0.isoformat())
        await tx.kv_set("telegram_gone_chats", CHAT, {"at": T0.isoformat(), "why": "kicked"})
    async with opened(db) as service:
        assert await membership.is_gone(service, CHAT, BOSS.key)
        assert await membership.gone_chats(service.store, "telegram") == {CHAT}
        await membership.person_left(service, CHAT, CLERK)
        await membership.bot_removed(service, OTHER, "left by user 1")
        left = await service.store.kv_items("telegram_left_members")
        assert set(left) == {f"{CHAT}:1", f"{CHAT}:2"}
        gone = await service.store.kv_items("telegram_gone_chats")
        assert gone[OTHER] == {"at": T0.isoformat(), "why": "left by user 1"}


async def test_each_messenger_keeps_its_own(tmp_path: Path) -> None:
    group = "wecom:wrGroup"
    zhang = Actor(user_id="zhangsan", transport="wecom")
    async with opened(tmp_path / "y.db") as service:
        assert await membership.person_left(service, group, zhang) is None
        assert await membership.is_gone(service, group, "wecom:zhangsan")
        assert await service.store.kv_items("wecom_left_members") == {
            "wecom:wrGroup:zhangsan": T0.isoformat()
        }
        await membership.bot_removed(service, group, "removed")
        assert await membership.gone_chats(service.store, "wecom") == {group}
        assert await membership.gone_chats(service.store, "telegram") == set()


async def test_the_bot_removed_and_back_with_no_incident_open(tmp_path: Path) -> None:
    async with opened(tmp_path / "y.db") as service:
        assert await membership.bot_back(service, CHAT) is None  # a first join says nothing
        await membership.bot_removed(service, CHAT, "kicked by user 1")
        assert await membership.gone_chats(service.store, "telegram") == {CHAT}
        back = await membership.bot_back(service, CHAT)
        assert back is not None
        assert text(back.welcome) == BACK + "本群目前没有未结束的事件。"
        assert await membership.gone_chats(service.store, "telegram") == set()
        assert await membership.bot_back(service, CHAT) is None  # said once


async def test_back_the_bot_names_the_incidents_still_open(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with opened(db) as service:
        first = await service.open_report(CHAT, EYE, "帖子一")
        await service.open_report(CHAT, EYE, "帖子二")
        await service.open_report(CHAT, EYE, "帖子三")
        await service.cancel(first.id, BOSS)
        await membership.bot_removed(service, CHAT, "kicked by user 1")
    async with opened(db) as service:
        back = await membership.bot_back(service, CHAT)
        assert back is not None
        assert text(back.welcome) == BACK + (
            "本群有 2 起未结束的事件：#2、#3。发送 /status 编号 查看详情。"
        )


async def test_back_in_a_group_no_plan_lists_the_bot_says_nothing(tmp_path: Path) -> None:
    async with opened(tmp_path / "y.db") as service:
        await membership.bot_removed(service, OTHER, "kicked by user 1")
        assert await membership.bot_back(service, OTHER) == membership.Back(welcome=None)
        assert await membership.gone_chats(service.store, "telegram") == set()


async def test_the_delivery_engine_records_a_chat_gone_in_its_own_transaction(
    tmp_path: Path,
) -> None:
    async with opened(tmp_path / "y.db") as service:
        incident = await service.open_report(CHAT, EYE, "帖子")
        (item,) = await service.store.pending()
        async with service.store.transaction() as tx:
            await membership.mark_gone(tx, CHAT, "Forbidden: bot was kicked", T0)
            await tx.mark_sent(item.id, T0, None)
        assert await membership.gone_chats(service.store, "telegram") == {CHAT}
        assert await service.store.pending() == []
        back = await membership.bot_back(service, CHAT)
        assert back is not None
        assert f"#{incident.number}。" in text(back.welcome)


def test_what_is_read_on_every_update_is_named_for_each_messenger() -> None:
    names = (name for name in ("telegram", "wecom"))  # read once, as the composition root's
    assert membership.read_on_every_update(names) == {
        languages.NAMESPACE,
        membership.left_namespace("telegram"),
        membership.gone_namespace("telegram"),
        membership.left_namespace("wecom"),
        membership.gone_namespace("wecom"),
    }


# A person's (or the bot's) comings and goings, each reported twice (a service message and its
# chat_member twin) under Telegram's rising update numbers, handled in any order.
CHANGES = st.lists(st.booleans(), min_size=1, max_size=4).flatmap(
    lambda gone: st.permutations([(2 * i + twin, g) for i, g in enumerate(gone) for twin in (0, 1)])
)


@settings(max_examples=40, deadline=None)
@given(CHANGES)
def test_changes_handled_out_of_order_end_as_the_newest_says(
    changes: list[tuple[int, bool]],
) -> None:
    async def apply(db: Path) -> tuple[bool, bool, int]:
        told = 0
        async with opened(db) as service:
            for seq, gone in changes:
                if gone:
                    told += await membership.person_left(service, CHAT, BOSS, seq) is not None
                    await membership.bot_removed(service, CHAT, "kicked", seq)
                else:
                    await membership.person_back(service, CHAT, BOSS.key, seq)
                    await membership.bot_back(service, CHAT, seq)
        async with opened(db) as service:  # and so it stays across a restart
            bot_out = CHAT in await membership.gone_chats(service.store, "telegram")
            return await membership.is_gone(service, CHAT, BOSS.key), bot_out, told

    with tempfile.TemporaryDirectory() as folder:
        person_out, bot_out, told = asyncio.run(apply(Path(folder) / "y.db"))
    newest = max(changes)[1]
    assert (person_out, bot_out) == (newest, newest)
    assert told <= sum(gone for seq, gone in changes if seq % 2 == 0)  # once per departure


async def test_a_change_without_a_number_applies_and_a_late_one_does_not(tmp_path: Path) -> None:
    async with opened(tmp_path / "y.db") as service:
        assert await membership.person_left(service, CHAT, BOSS, seq=10) is not None
        assert await membership.person_back(service, CHAT, BOSS.key, seq=12)
        assert await membership.person_left(service, CHAT, BOSS, seq=11) is None  # late twin
        assert not await membership.is_gone(service, CHAT, BOSS.key)
        assert await membership.person_left(service, CHAT, BOSS) is not None  # WeCom: no number
        assert await membership.is_gone(service, CHAT, BOSS.key)
        assert await membership.person_back(service, CHAT, BOSS.key, seq=13)
