"""End to end over Telegram: a task named as the card shows it, by name or number."""

from pathlib import Path

from e2e_support import CLERK, GROUP, people, running
from fakeapi import FakeBotAPI
from test_e2e import confirmed_major


async def test_done_by_name_draft_by_number_and_a_wrong_task_listed(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            card = await confirmed_major(tg)
            tg.send_message(GROUP, CLERK, "/done 1 向上级报告")
            await tg.wait_for(
                lambda m: m.message_id == card and "1. 向上级报告（办公室） 已于" in m.text
            )

            tg.send_message(GROUP, CLERK, "/done 1 <不存在>")
            refused = await tg.wait_for(lambda m: "没有与" in m.text, chat_id=GROUP)
            assert "“<不存在>”" in refused.text  # escaped on the way, shown as typed
            assert refused.text.endswith("\n2. 发布通稿（release）")  # the review waits for calm

            tg.send_message(GROUP, CLERK, "/draft 1 2 第一稿")
            draft = await tg.wait_for(
                lambda m: m.message_id != card and "稿件待审批" in m.text, chat_id=GROUP
            )
            assert "第一稿" in draft.text
