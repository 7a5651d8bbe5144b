"""The whole incident flow in a WeCom group: the real ``yuqing-bot run`` against the fake WeCom.

No Telegram token: the bot runs WeCom alone. Grading happens on one card the reporter clicks
through; the incident card shows the people responsible and the group robot @-mentions them;
only leaders' clicks decide, others are told why on their own view of the card; reminders are
pushed and escalated with real mentions; approvals come as the reply to ``/draft``. The process
is SIGKILLed mid-incident and restarted: nothing owed is lost.
"""

from __future__ import annotations

import signal
from pathlib import Path

from e2e_support import PLANS
from fakewecom import FakeWeCom
from wecom_process import (
    BOSS,
    CLERK,
    EYE,
    GROUP,
    ROBOT,
    STRANGER,
    label,
    labels,
    reply_card,
    shows,
    start_wecom_bot,
    title,
    wecom_env,
)


async def graded(wecom: FakeWeCom) -> str:
    """#1 reported and graded 重大 by clicking through one card; its task id."""
    asked = await wecom.say(GROUP, EYE, "/report 网帖称某单位违规收费")
    task_id, card = await reply_card(wecom, asked)
    assert "#1 定级问题 1/2" in title(card) and "50条以内" in labels(card)
    await wecom.press(task_id, "50条以内", EYE)
    await shows(wecom, task_id, "#1 定级问题 2/2")
    await wecom.press(task_id, "是", EYE)
    await shows(wecom, task_id, "#1 重大")
    return task_id


async def test_a_whole_incident_in_a_wecom_group(tmp_path: Path) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        env = wecom_env(wecom, tmp_path / "y.db")
        bot = await start_wecom_bot(env, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            task_id = await graded(wecom)
            card = wecom.card(task_id)
            rows = {row.get("userid") for row in card.get("horizontal_content_list", [])}
            assert {BOSS, CLERK} <= rows  # the people responsible, shown on the card
            called = await wecom.wait_robot(ROBOT, lambda m: BOSS in m.mentioned_list, timeout=20)
            assert CLERK in called.mentioned_list and "#1" in called.content

            confirm = label(card, "确认")
            await wecom.press(task_id, confirm, STRANGER)  # not a leader: told, card unchanged
            mine = await wecom.wait_card(task_id, lambda c: "⚠" in title(c), STRANGER, 20)
            assert "组长" in title(mine) and "⚠" not in title(wecom.card(task_id))
            await wecom.press(task_id, confirm, BOSS)
            await wecom.wait_card(task_id, lambda c: confirm not in labels(c), timeout=20)

            bot.process.send_signal(signal.SIGKILL)  # mid-incident: reminders are owed
            await bot.exited(20)
            bot = await start_wecom_bot(env, tmp_path)
            await wecom.wait_subscribes(2, timeout=30)

            overdue = await wecom.wait_push(GROUP, lambda p: "已逾期" in (p.content or ""), 0, 30)
            assert "/done 1 report_up" in (overdue.content or "")  # its button, as a command
            await wecom.wait_robot(ROBOT, lambda m: "已按预案报告上级领导" in m.content, 0, 30)

            await wecom.say(GROUP, CLERK, "/done 1 report_up")
            drafted = await wecom.say(GROUP, CLERK, "/draft 1 release 通稿：已核实并整改。")
            approval, shown = await reply_card(wecom, drafted)
            await wecom.press(approval, label(shown, "批准"), BOSS)
            await shows(wecom, approval, "#1 重大")  # the answer: the incident card as it stands

            status = await wecom.say(GROUP, BOSS, "/status 1")
            incident, now = await reply_card(wecom, status)
            await wecom.press(incident, label(now, "平稳"), BOSS)
            await wecom.wait_card(incident, lambda c: "平稳" in title(c), timeout=20)
            reviewed = await wecom.say(GROUP, CLERK, "/review 1 书面总结：处置及时。")
            review, drawn = await reply_card(wecom, reviewed)
            await wecom.press(review, label(drawn, "批准"), BOSS)
            await wecom.wait_push(GROUP, lambda p: "事件结案" in (p.content or ""), 0, 20)
        finally:
            await bot.stop()
    assert not [line for line in bot.lines if "Traceback" in line], "\n".join(bot.lines[-40:])
    assert wecom.secret not in "\n".join(bot.lines) and ROBOT not in "\n".join(bot.lines)


async def test_a_card_of_more_than_six_buttons_pages_with_more_and_back(tmp_path: Path) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        plans = PLANS / "wecom-many.yaml"
        bot = await start_wecom_bot(wecom_env(wecom, tmp_path / "y.db", plans), tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            asked = await wecom.say(GROUP, EYE, "/report 网帖称某单位违规收费")
            task_id, card = await reply_card(wecom, asked)
            first = labels(card)
            assert len(first) == 6 and "更多" in first[-1]  # five options, then 更多
            await wecom.press(task_id, first[-1], EYE)
            second = labels(await wecom.wait_card(task_id, lambda c: "返回" in str(c), None, 20))
            assert not set(first[:-1]) & set(second) and "约600条" in second  # the rest, once
            await wecom.press(task_id, label(wecom.card(task_id), "返回"), EYE)
            await wecom.wait_card(task_id, lambda c: labels(c) == first, None, 20)
            await wecom.press(task_id, first[-1], EYE)
            await wecom.wait_card(task_id, lambda c: "返回" in str(c), None, 20)
            await wecom.press(task_id, "约600条", EYE)  # an option of the second page answers
            await shows(wecom, task_id, "#1 定级问题 2/2")
        finally:
            await bot.stop()
    assert not [line for line in bot.lines if "Traceback" in line], "\n".join(bot.lines[-40:])
