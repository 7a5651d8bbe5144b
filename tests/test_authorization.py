"""Every state-changing button and command, pressed or sent by someone the plan does not allow.

Each refusal must reach the person (an alert for buttons, a reply for commands) and change
nothing: the database holds the same incident, approvals and timeline as before (what the clock
does meanwhile aside: reminders, and a 续报 whose time comes while the test runs).
"""

from pathlib import Path

import pytest
from dbswitch import open_db
from e2e_support import BOSS, CLERK, EYE, GROUP, STRANGER, people, running
from fakeapi import BotMessage, FakeBotAPI
from test_e2e import confirmed_major, report_major

from bot.domain.obligations import ObligationState, ObStatus
from bot.domain.series import parse_instance

PENDING_CARD = ["确认等级", "降级", "误报撤销"]  # 重大 is this plan's top level: no 升级
NOT_LEADER = "只有组长可以这样做。"
NOT_OFFICE = "只有办公室、组长可以这样做。"
CLOCK_EVENTS = {"reminder", "follow_up", "report_opened"}  # the clock writes these meanwhile


async def refused_alert(tg: FakeBotAPI, user: int, before: int) -> str:
    """The alert shown to ``user`` for their latest button press after ``before`` answers."""
    answers = await tg.wait_until(
        lambda: [a for a in tg.callback_answers[before:] if a.user_id == user] or None
    )
    assert answers[-1].show_alert, answers
    return answers[-1].text or ""


async def reply_to(tg: FakeBotAPI, user: int, text: str) -> BotMessage:
    """Send ``text`` as ``user`` and return the bot's reply to that message."""
    sent = tg.send_message(GROUP, user, text)
    return await tg.wait_for(lambda m: m.reply_to_message_id == sent["message_id"], chat_id=GROUP)


def opened_by_clock(state: ObligationState) -> bool:
    """A 续报/progress report the clock opened as its cadence came round (not yet handed in)."""
    return parse_instance(state.id) is not None and state.status is ObStatus.OPEN


async def snapshot(db: Path) -> tuple[str, list[str], list[str], list[str]]:
    """What the database says about incident #1: state, obligations, approvals, timeline."""
    async with await open_db(db) as store:
        incident = await store.get_by_number(1)
        assert incident is not None
        approvals = await store.approvals(incident.id)
        timeline = await store.timeline(incident.id)
    return (
        incident.state.value,
        [f"{o.id}:{o.status.value}" for o in incident.obligations if not opened_by_clock(o)],
        [f"{a.kind}:{a.decision.value}:{a.actor}" for a in approvals],
        [e.kind for e in timeline if e.kind not in CLOCK_EVENTS],
    )


@pytest.mark.parametrize("who", [CLERK, EYE, STRANGER])
async def test_only_leaders_decide_on_the_card(tmp_path: Path, who: int) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            card = await report_major(tg)
            before = await snapshot(db)
            for label in PENDING_CARD:
                count = len(tg.callback_answers)
                tg.press_button(GROUP, who, card, label)
                assert await refused_alert(tg, who, count) == NOT_LEADER, label
            assert await snapshot(db) == before
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: m.message_id == card and "已平稳" in str(m.buttons))
            confirmed = await snapshot(db)
            count = len(tg.callback_answers)
            tg.press_button(GROUP, who, card, "已平稳")
            assert await refused_alert(tg, who, count) == NOT_LEADER
            assert await snapshot(db) == confirmed


async def test_commands_and_approvals_outside_the_roles_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            card = await confirmed_major(tg)
            tg.send_message(GROUP, CLERK, "/draft 1 release 通稿第一稿")
            draft = await tg.wait_for(lambda m: "稿件待审批" in m.text, chat_id=GROUP)
            tg.press_button(GROUP, BOSS, card, "已平稳")  # the review is owed from now on
            await tg.wait_for(lambda m: "确认舆情已趋于平稳" in m.text, chat_id=GROUP)
            before = await snapshot(db)

            for who, command, expected in [
                (STRANGER, "/report 路人也想报告", "只有预案指定的舆情信息员可以报告舆情。"),
                (EYE, "/done 1 report_up", NOT_OFFICE),
                (STRANGER, "/done 1 report_up", NOT_OFFICE),
                (EYE, "/draft 1 release 信息员改写的通稿", NOT_OFFICE),
                (STRANGER, "/draft 1 release 路人的通稿", NOT_OFFICE),
                (STRANGER, "/update 1 路人续报", "只有"),
                (EYE, "/review 1 信息员写的总结", "只有"),
                (STRANGER, "/lang en", "只有"),
            ]:
                answer = await reply_to(tg, who, command)
                assert expected in answer.text, (command, answer.text)
            for who in (CLERK, EYE, STRANGER):
                for label in ("批准", "退回修改"):
                    count = len(tg.callback_answers)
                    tg.press_button(GROUP, who, draft.message_id, label)
                    assert await refused_alert(tg, who, count) == NOT_LEADER
            assert await snapshot(db) == before
            status = await reply_to(tg, CLERK, "/status 1")
            assert "重大舆情" in status.text  # the stranger's /lang en changed nothing


async def test_a_button_on_an_older_draft_decides_nothing(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            card = await confirmed_major(tg)
            tg.send_message(GROUP, CLERK, "/draft 1 release 第一稿：事件系谣言")
            first = await tg.wait_for(lambda m: "第一稿" in m.text and "稿件待审批" in m.text)
            tg.send_message(GROUP, CLERK, "/draft 1 release 第二稿：正在核实")
            second = await tg.wait_for(lambda m: "第二稿" in m.text and "稿件待审批" in m.text)

            count = len(tg.callback_answers)
            tg.press_button(GROUP, BOSS, first.message_id, "批准")  # the leader read draft one
            alert = await refused_alert(tg, BOSS, count)
            assert "已提交了新稿件" in alert
            async with await open_db(db) as store:
                incident = await store.get_by_number(1)
                assert incident is not None
                assert incident.obligation("release").status.value == "submitted"
                assert await store.approvals(incident.id) == [
                    a for a in await store.approvals(incident.id) if a.kind != "content"
                ]

            tg.press_button(GROUP, BOSS, second.message_id, "批准")
            await tg.wait_for(
                lambda m: m.message_id == card and "发布通稿（办公室） 已于" in m.text
            )


async def test_forged_and_stale_callback_data(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db):
            card = await report_major(tg)
            before = await snapshot(db)
            for data in [
                "y1:c:1",  # too few fields
                "y1:c:999:",  # an incident that does not exist
                "y0:c:1:",  # an older layout
                "y1:p:1:release",  # an approval without the draft it was shown with
                "y1:z:1:",  # no such action
                "<b>not ours</b>",
                "y1:a:1:x=low",  # a question index that is not a number
            ]:
                count = len(tg.callback_answers)
                tg.press(GROUP, BOSS, card, data, forged=True)
                assert await refused_alert(tg, BOSS, count) == "这个按钮已失效，请使用最新的消息。"
            assert await snapshot(db) == before


async def test_refusals_name_the_roles_in_the_chats_language(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            card = await report_major(tg)
            answer = await reply_to(tg, CLERK, "/lang en")
            assert answer.text == "This chat now uses English."
            count = len(tg.callback_answers)
            tg.press_button(GROUP, CLERK, card, "确认等级")
            assert await refused_alert(tg, CLERK, count) == "Only Leader may do this."
            answer = await reply_to(tg, EYE, "/done 1 report_up")
            assert answer.text == "Only Office, Leader may do this."
