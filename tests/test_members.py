"""A person the plan names who leaves the group: the group is told, their actions are refused."""

from pathlib import Path

from e2e_support import BOSS, CLERK, GROUP, STRANGER, people, running
from fakeapi import FakeBotAPI
from test_authorization import refused_alert, reply_to, snapshot
from test_e2e import report_major


async def test_a_leader_who_left_may_not_decide_until_back(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            card = await report_major(tg)
            before = await snapshot(db)
            tg.remove_member(GROUP, STRANGER)  # not in the plan: nothing to say
            tg.remove_member(GROUP, BOSS)
            warning = await tg.wait_for(lambda m: "已离开本群" in m.text, chat_id=GROUP)
            assert warning.text.startswith(
                "⚠️ 王 组长（组长）已离开本群，但预案《端到端测试预案》仍指定其职责"
            )
            assert [m for m in tg.sent(GROUP) if "已离开本群" in m.text] == [warning]

            count = len(tg.callback_answers)
            tg.press_button(GROUP, BOSS, card, "确认等级")
            alert = await refused_alert(tg, BOSS, count)
            assert alert.startswith("您已离开本群，不能再处理本群的舆情事件")
            assert await snapshot(db) == before

            tg.add_member(GROUP, BOSS, by=CLERK)
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级为“重大”" in m.text, chat_id=GROUP)


async def test_someone_removed_is_refused_commands_too(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            await report_major(tg)
            tg.remove_member(GROUP, CLERK, by=BOSS)
            await tg.wait_for(lambda m: "李 主任（办公室）已离开本群" in m.text, chat_id=GROUP)
            answer = await reply_to(tg, CLERK, "/done 1 report_up")
            assert answer.text.startswith("您已离开本群")
            _, obligations, _, _ = await snapshot(db)
            assert "report_up:open" in obligations
