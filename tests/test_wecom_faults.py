"""WeCom's faults against the real ``yuqing-bot run``: each ends with nothing owed lost.

A refused subscribe stops the run in one line; any server close is followed by a resubscribe and
what fell due meanwhile arrives; a takeover (kicked) leaves the process up and reminders go
through the group robot; rate limits are waited out with each message arriving once; a bad robot
key is one line naming the group; a click whose card can no longer be updated gets its answer
as a push. None of these runs has a Telegram token.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from fakewecom import (
    BAD_CREDENTIALS,
    RATE_LIMITED,
    ROBOT_RATE_LIMITED,
    FakeWeCom,
    Posted,
    RobotMessage,
)
from process_support import BotProcess
from test_wecom_e2e import graded
from wecom_process import (
    BOSS,
    EYE,
    GROUP,
    ROBOT,
    label,
    labels,
    reply_card,
    start_wecom_bot,
    title,
    wecom_env,
)

from bot.i18n import Translator

WARNING = "「向上级报告」将于"  # the reminder before report_up falls due
OVERDUE = "「向上级报告」已逾期"


async def start(wecom: FakeWeCom, tmp_path: Path, **changes: str) -> BotProcess:
    """``yuqing-bot run`` on WeCom alone (no Telegram setting at all), ``changes`` applied."""
    env = {**wecom_env(wecom, tmp_path / "y.db"), **changes}
    assert not [name for name in env if "TELEGRAM" in name]
    return await start_wecom_bot(env, tmp_path)


def clean(lines: list[str], *secrets: str) -> None:
    """No traceback and no secret in the bot's stderr."""
    text = "\n".join(lines)
    assert "Traceback" not in text, text[-4000:]
    for secret in secrets:
        assert secret not in text, f"{secret!r} printed"


def has(text: str) -> Callable[[Posted], bool]:
    """A push whose markdown holds ``text``."""
    return lambda p: text in (p.content or "")


def markdown(text: str) -> Callable[[RobotMessage], bool]:
    """A group robot markdown message that holds ``text``."""
    return lambda m: m.msgtype == "markdown" and text in m.content


def pushed(wecom: FakeWeCom, text: str) -> list[str]:
    """The accepted pushes into the group that contain ``text``."""
    return [p.content or "" for p in wecom.pushes(GROUP) if text in (p.content or "")]


def conn_of(wecom: FakeWeCom, text: str) -> int:
    """The connection that carried the first accepted push containing ``text``."""
    req_id = next(p.req_id for p in wecom.pushes(GROUP) if text in (p.content or ""))
    return next(r.conn for r in wecom.sent("aibot_send_msg") if r.req_id == req_id)


async def test_a_refused_subscribe_stops_run_with_one_line(tmp_path: Path) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        wecom.reject_subscribes()
        bot = await start(wecom, tmp_path)
        code = await bot.exited(30)
    said = Translator("zh_CN")(
        "error.wecom_rejected", code=BAD_CREDENTIALS, detail="invalid bot_id or secret"
    )
    assert code != 0
    assert [line for line in bot.lines if line.strip()] == [said]
    clean(bot.lines, wecom.secret, ROBOT)


@pytest.mark.parametrize("code", [1000, 1001, 1011])
async def test_after_a_server_close_what_fell_due_meanwhile_arrives(
    tmp_path: Path, code: int
) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        bot = await start(wecom, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            await graded(wecom)  # report_up falls due in 3 s, its warning in 2 s
            wecom.close_after_subscribe(code)  # the first reconnect is closed too: down longer
            await wecom.close(code)
            await wecom.wait_subscribes(3, timeout=30)
            await wecom.wait_push(GROUP, has(WARNING), timeout=30)
            await wecom.wait_push(GROUP, has(OVERDUE), timeout=30)
            assert conn_of(wecom, WARNING) > 1 and conn_of(wecom, OVERDUE) > 1
        finally:
            await bot.stop()
    clean(bot.lines, wecom.secret, ROBOT)


async def test_kicked_it_stays_up_and_reminders_go_through_the_group_robot(
    tmp_path: Path,
) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        bot = await start(wecom, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            await graded(wecom)
            await wecom.kick()
            await wecom.wait_robot(ROBOT, markdown(WARNING), timeout=30)
            await wecom.wait_robot(ROBOT, markdown(OVERDUE), timeout=30)
            assert bot.process.returncode is None
            assert wecom.subscribes == 1 and wecom.connections == 1  # no reconnect meanwhile
            said = [line for line in bot.lines if "WARNING" in line or "ERROR" in line]
            assert len(said) == 1 and "another instance" in said[0], said
        finally:
            await bot.stop()
    assert bot.process.returncode == 0
    clean(bot.lines, wecom.secret, ROBOT)


async def test_push_rate_limits_are_waited_out_and_each_push_arrives_once(tmp_path: Path) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        bot = await start(wecom, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            wecom.fail_sends(RATE_LIMITED, times=2)  # the next two pushes: over 30 a minute
            await graded(wecom)
            await wecom.wait_push(GROUP, has(OVERDUE), timeout=40)
        finally:
            await bot.stop()
    assert len(wecom.sent("aibot_send_msg")) >= len(wecom.pushes()) + 2  # two were refused
    assert len(pushed(wecom, WARNING)) == 1
    assert [c for c, n in Counter(p.content for p in wecom.pushes(GROUP)).items() if n > 1] == []
    clean(bot.lines, wecom.secret, ROBOT)


async def test_robot_rate_limits_are_waited_out_and_each_mention_arrives_once(
    tmp_path: Path,
) -> None:
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        bot = await start(wecom, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            wecom.robot_fail(ROBOT_RATE_LIMITED, times=2)  # over 20 a minute
            await graded(wecom)
            await wecom.wait_robot(ROBOT, lambda m: BOSS in m.mentioned_list, timeout=40)
            await wecom.wait_push(GROUP, has(OVERDUE), timeout=40)
        finally:
            await bot.stop()
    assert [code for _, _, code in wecom.robot_requests][:2] == [ROBOT_RATE_LIMITED] * 2
    sent = Counter((m.content, m.mentioned_list) for m in wecom.robot_messages(ROBOT))
    assert sent and [m for m, n in sent.items() if n > 1] == []
    clean(bot.lines, wecom.secret, ROBOT)


async def test_a_bad_robot_key_is_one_line_naming_the_group_and_pushes_flow(
    tmp_path: Path,
) -> None:
    wrong = "NOT-A-ROBOT-KEY-0001"
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        bot = await start(wecom, tmp_path, YUQING_WECOM_WEBHOOKS=json.dumps({GROUP: wrong}))
        try:
            await wecom.wait_subscribes(1, timeout=30)
            await graded(wecom)
            await wecom.wait_push(GROUP, has(WARNING), timeout=30)
            await wecom.wait_push(GROUP, has(OVERDUE), timeout=30)
        finally:
            await bot.stop()
    tried = [key for key, _, code in wecom.robot_requests if code == 93000]
    assert len(tried) >= 2 and set(tried) == {wrong}  # the mentions of the card, of reminders
    said = [line for line in bot.lines if "WARNING" in line or "ERROR" in line]
    assert len(said) == 1 and GROUP in said[0] and "robot" in said[0], said
    assert not wecom.robot_messages()
    clean(bot.lines, wecom.secret, wrong)


async def test_clicks_whose_card_can_no_longer_change_are_answered_by_pushes(
    tmp_path: Path,
) -> None:
    async with FakeWeCom(robots=(ROBOT,), update_window=0.0) as wecom:  # every update too late
        bot = await start(wecom, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            asked = await wecom.say(GROUP, EYE, "/report 网帖称某单位违规收费")
            first, _ = await reply_card(wecom, asked)
            await wecom.press(first, "50条以内", EYE)
            second = await wecom.wait_push(GROUP, has("#1 定级问题 2/2"), timeout=20)
            assert "`@机器人 /status 1`" in (second.content or "")  # how to get its buttons back

            again = await wecom.say(GROUP, EYE, "/status 1")
            task_id, card = await reply_card(wecom, again)
            assert "#1 定级问题 2/2" in title(card) and labels(card) == ["是", "否"]
            await wecom.press(task_id, "是", EYE)
            await wecom.wait_push(GROUP, has("#1 重大舆情"), timeout=20)  # the incident card

            status = await wecom.say(GROUP, BOSS, "/status 1")
            task_id, card = await reply_card(wecom, status)
            wecom.fail_sends(RATE_LIMITED)  # and the push that carries the answer must wait
            await wecom.press(task_id, label(card, "确认"), BOSS)
            await wecom.wait_for(lambda: len(pushed(wecom, "#1 重大舆情")) >= 2, 20, "the refresh")
        finally:
            await bot.stop()
    clicks = [c for c in wecom.callbacks.values() if c.kind == "click"]
    assert len(clicks) == 3 and not [c for c in clicks if c.answer is not None]  # none updated
    tried = [r for r in wecom.sent("aibot_send_msg") if "#1 重大舆情" in str(r.body)]
    assert len(tried) == 3  # the card after grading; its refresh refused once, then accepted
    before, after = (card.split("/status")[0] for card in pushed(wecom, "#1 重大舆情"))
    assert "确认" in before and "确认" not in after  # the leader's button, then confirmed
    clean(bot.lines, wecom.secret, ROBOT)
