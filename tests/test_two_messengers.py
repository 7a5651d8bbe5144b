"""Telegram and WeCom in one ``yuqing-bot run``: one plan, a group on each, an incident in each.

Both flows run at once on one service and one clock — grading, the card, decisions, reminders,
``/done`` — each in its own messenger's terms, and neither leaks into the other; a SIGKILL and a
restart lose nothing. WeCom taken over by another instance leaves Telegram working, and a
refused WeCom subscription stops the whole run in one line.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path

from e2e_support import CLERK, EYE, PLANS, people
from e2e_support import GROUP as TG_GROUP
from fakeapi import BotMessage, FakeBotAPI
from fakewecom import BAD_CREDENTIALS, FakeWeCom, Posted
from process_support import BotProcess, confirm, incident_when, report_major, start_bot
from wecom_process import BOSS as WC_BOSS
from wecom_process import CLERK as WC_CLERK
from wecom_process import EYE as WC_EYE
from wecom_process import GROUP as WC_GROUP
from wecom_process import ROBOT, label, labels, reply_card, shows, title

from bot.domain.obligations import ObStatus
from bot.i18n import Translator

BOTH = PLANS / "both.yaml"
OVERDUE = "「向上级报告」已逾期"


def wecom_settings(wecom: FakeWeCom) -> dict[str, str]:
    """The WeCom half of the settings (the Telegram half comes from ``start_bot``)."""
    return {
        "YUQING_WECOM_BOT_ID": wecom.bot_id,
        "YUQING_WECOM_SECRET": wecom.secret,
        "YUQING_WECOM_WS_URL": wecom.ws_url,
        "YUQING_WECOM_WEBHOOK_URL": wecom.webhook_url,
        "YUQING_WECOM_WEBHOOKS": json.dumps({WC_GROUP: ROBOT}),
    }


async def start_both(tg: FakeBotAPI, wecom: FakeWeCom, db: Path) -> BotProcess:
    """``yuqing-bot run`` with a Telegram token and the WeCom credentials."""
    return await start_bot(tg, db, BOTH, extra=wecom_settings(wecom))


def has(text: str) -> Callable[[Posted], bool]:
    """A push whose markdown holds ``text``."""
    return lambda p: text in (p.content or "")


async def wecom_graded(wecom: FakeWeCom, task_id: str, number: int) -> None:
    """#``number``, reported in the WeCom group (its first question: card ``task_id``), graded."""
    await wecom.press(task_id, "50条以内", WC_EYE)
    await shows(wecom, task_id, f"#{number} 定级问题 2/2")
    await wecom.press(task_id, "是", WC_EYE)
    await shows(wecom, task_id, f"#{number} 重大")


def clean(bot: BotProcess, *secrets: str) -> None:
    """No traceback and no secret in what the bot wrote."""
    text = "\n".join(bot.lines)
    assert "Traceback" not in text, text[-4000:]
    assert not [secret for secret in secrets if secret in text]


async def tg_graded(tg: FakeBotAPI, number: int) -> BotMessage:
    """#``number``, reported in the Telegram group, graded 重大; its card."""
    first = await tg.wait_for(
        lambda m: f"#{number} 定级问题 1/2" in m.text, chat_id=TG_GROUP, timeout=20
    )
    tg.press_button(TG_GROUP, EYE, first.message_id, "50条以内")
    second = await tg.wait_for(
        lambda m: f"#{number} 定级问题 2/2" in m.text, chat_id=TG_GROUP, timeout=20
    )
    tg.press_button(TG_GROUP, EYE, second.message_id, "是")
    return await tg.wait_for(
        lambda m: f"#{number} 重大舆情" in m.text, chat_id=TG_GROUP, timeout=20
    )


async def test_an_incident_in_each_messenger_at_once_through_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg, FakeWeCom(robots=(ROBOT,)) as wecom:
        people(tg)
        bot = await start_both(tg, wecom, db)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            tg.send_message(TG_GROUP, EYE, "/report 网帖称某单位违规（电报群）")
            asked = await wecom.say(WC_GROUP, WC_EYE, "/report 网帖称某单位违规（企业微信群）")
            task_id, card = await reply_card(wecom, asked)
            wc = int(title(card).split("#")[1].split(" ")[0])  # numbered in the order reported
            tgn = 3 - wc
            tg_card, _ = await asyncio.gather(tg_graded(tg, tgn), wecom_graded(wecom, task_id, wc))
            called = await wecom.wait_robot(
                ROBOT, lambda m: WC_BOSS in m.mentioned_list, timeout=20
            )
            assert WC_CLERK in called.mentioned_list and f"#{wc}" in called.content

            await confirm(tg, TG_GROUP, tg_card)
            confirming = label(wecom.card(task_id), "确认")
            await wecom.press(task_id, confirming, WC_BOSS)
            await wecom.wait_card(task_id, lambda c: confirming not in labels(c), timeout=20)
            await tg.wait_for(lambda m: f"#{tgn}{OVERDUE}" in m.text, chat_id=TG_GROUP, timeout=20)
            await wecom.wait_push(WC_GROUP, has(f"#{wc}{OVERDUE}"), timeout=20)

            bot.process.send_signal(signal.SIGKILL)
            await bot.exited(20)
            seen_tg, seen_wc = len(tg.sent(TG_GROUP)), len(wecom.pushes(WC_GROUP))
            bot = await start_both(tg, wecom, db)
            await wecom.wait_subscribes(2, timeout=30)
            await tg.wait_until(
                lambda: [m for m in tg.sent(TG_GROUP)[seen_tg:] if OVERDUE in m.text],
                timeout=20,
                what="a Telegram reminder after the restart",
            )
            await wecom.wait_push(WC_GROUP, has(OVERDUE), after=seen_wc, timeout=20)

            tg.send_message(TG_GROUP, CLERK, f"/done {tgn} report_up")
            await wecom.say(WC_GROUP, WC_CLERK, f"/done {wc} report_up")
            for number in (tgn, wc):
                await incident_when(
                    db, number, lambda i: i.obligation("report_up").status is ObStatus.MET
                )
        finally:
            await bot.stop()
    tg_texts = "\n".join(m.text for m in tg.sent(TG_GROUP))
    wc_texts = "\n".join(
        [p.content or json.dumps(p.body, ensure_ascii=False) for p in wecom.posts]
        + [m.content for m in wecom.robot_messages()]
    )
    assert "电报群" in tg_texts and "企业微信群" not in tg_texts and f"#{wc}" not in tg_texts
    assert "企业微信群" in wc_texts and "电报群" not in wc_texts and f"#{tgn}" not in wc_texts
    clean(bot, tg.token, wecom.secret, ROBOT)


async def test_wecom_taken_over_leaves_telegram_working(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg, FakeWeCom(robots=(ROBOT,)) as wecom:
        people(tg)
        bot = await start_both(tg, wecom, tmp_path / "y.db")
        try:
            await wecom.wait_subscribes(1, timeout=30)
            asked = await wecom.say(WC_GROUP, WC_EYE, "/report 网帖称某单位违规（企业微信群）")
            task_id, _ = await reply_card(wecom, asked)
            await wecom_graded(wecom, task_id, 1)
            await wecom.kick()

            card = await report_major(tg, TG_GROUP, 2)
            await confirm(tg, TG_GROUP, card)
            await tg.wait_for(lambda m: f"#2{OVERDUE}" in m.text, chat_id=TG_GROUP, timeout=20)
            await wecom.wait_robot(  # WeCom's reminders: through the group robot
                ROBOT, lambda m: m.msgtype == "markdown" and f"#1{OVERDUE}" in m.content, timeout=20
            )
            assert bot.process.returncode is None
            assert wecom.subscribes == 1  # no reconnect after the takeover
        finally:
            await bot.stop()
    said = [line for line in bot.lines if "WARNING" in line or "ERROR" in line]
    assert len(said) == 1 and "another instance" in said[0], said
    clean(bot, tg.token, wecom.secret, ROBOT)


async def test_a_refused_wecom_subscription_stops_the_whole_run_in_one_line(
    tmp_path: Path,
) -> None:
    async with FakeBotAPI() as tg, FakeWeCom(robots=(ROBOT,)) as wecom:
        people(tg)
        wecom.reject_subscribes()
        bot = await start_both(tg, wecom, tmp_path / "y.db")
        code = await bot.exited(30)
    said = Translator("zh_CN")(
        "error.wecom_rejected", code=BAD_CREDENTIALS, detail="invalid bot_id or secret"
    )
    assert code != 0
    # on PostgreSQL the lease's INFO line ("this process leads …") comes first; no other line
    assert [line for line in bot.lines if line.strip() and " INFO " not in line] == [said]
    clean(bot, tg.token, wecom.secret, ROBOT)
