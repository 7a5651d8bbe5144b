"""Whole incidents in a group, played against the fake Bot API over real HTTP."""

from io import BytesIO
from pathlib import Path

from docx import Document
from e2e_support import BOSS, CLERK, EYE, GROUP, STRANGER, buttons, mentioned, people, running
from fakeapi import FakeBotAPI


async def test_report_grade_confirm_remind_escalate_done(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            tg.send_message(GROUP, STRANGER, "/report 有人发帖")
            refusal = await tg.wait_for(lambda m: "信息员" in m.text, chat_id=GROUP)
            assert "只有预案指定的舆情信息员可以报告舆情" in refusal.text

            tg.send_message(
                GROUP, EYE, "/report 某论坛出现<关于我局>的帖子 https://bbs.example.com/t/1"
            )
            first = await tg.wait_for(lambda m: "定级问题 1/2" in m.text, chat_id=GROUP)
            assert buttons(first) == ["50条以内", "500条以上"]
            tg.press_button(GROUP, BOSS, first.message_id, "500条以上")  # not the reporter
            answer = await tg.wait_until(lambda: tg.callback_answers[-1:] or None)
            assert answer[0].show_alert and "只有报告人" in (answer[0].text or "")
            tg.press_button(GROUP, EYE, first.message_id, "500条以上")
            second = await tg.wait_for(lambda m: "定级问题 2/2" in m.text, chat_id=GROUP)
            await tg.wait_for(
                lambda m: m.message_id == first.message_id and "→ 500条以上" in m.text
            )
            tg.press_button(GROUP, EYE, second.message_id, "是")

            card = await tg.wait_for(lambda m: "#1 重大舆情" in m.text, chat_id=GROUP)
            assert "定级依据： 有主流媒体介入报道" in card.text
            assert "某论坛出现<关于我局>的帖子" in card.text  # escaped on the way, shown as typed
            assert BOSS in mentioned(card) and "@li_clerk" in card.text
            assert "🔗 链接： https://bbs.example.com/t/1" in card.text
            assert "报告人：小张 · " in card.text
            assert "✅ 确认等级" in buttons(card)

            tg.press_button(GROUP, CLERK, card.message_id, "确认等级")  # office may not confirm
            refused = await tg.wait_until(
                lambda: (
                    [
                        a
                        for a in tg.callback_answers
                        if a.show_alert and "只有组长" in (a.text or "")
                    ]
                    or None
                )
            )
            assert refused
            tg.press_button(GROUP, BOSS, card.message_id, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级为“重大”" in m.text, chat_id=GROUP)
            await tg.wait_for(lambda m: m.message_id == card.message_id and "处置中" in m.text)

            warning = await tg.wait_for(lambda m: "「向上级报告」将于" in m.text, chat_id=GROUP)
            assert "@li_clerk" in warning.text
            overdue = await tg.wait_for(
                lambda m: "第 3 次提醒" in m.text, chat_id=GROUP, timeout=10
            )
            assert BOSS in mentioned(overdue) and "已按预案报告上级领导" in overdue.text
            tg.press_button(GROUP, CLERK, overdue.message_id, "已完成")
            await tg.wait_for(lambda m: m.message_id == card.message_id and "报送（迟报" in m.text)
            reminders = [m for m in tg.sent(GROUP) if "「向上级报告」" in m.text]
            numbers = [m.text.split("第 ")[1].split(" 次")[0] for m in reminders if "第 " in m.text]
            assert numbers == sorted(set(numbers), key=int)  # each reminder once, in order


async def confirmed_major(tg: FakeBotAPI) -> int:
    """A 重大 incident reported and confirmed by the leader; return its card id."""
    card = await report_major(tg)
    tg.press_button(GROUP, BOSS, card, "确认等级")
    await tg.wait_for(lambda m: m.message_id == card and "处置中" in m.text)
    return card


async def report_major(
    tg: FakeBotAPI, description: str = "/report 网帖称某单位违规", timeout: float = 5.0
) -> int:
    """Report and grade an incident as 重大 from the informant's phone; return its card id."""
    tg.send_message(GROUP, EYE, description)
    first = await tg.wait_for(
        lambda m: "定级问题 1/2" in m.text and not m.edits, chat_id=GROUP, timeout=timeout
    )
    tg.press_button(GROUP, EYE, first.message_id, "50条以内")
    second = await tg.wait_for(
        lambda m: "定级问题 2/2" in m.text and not m.edits, chat_id=GROUP, timeout=timeout
    )
    tg.press_button(GROUP, EYE, second.message_id, "是")
    card = await tg.wait_for(
        lambda m: "重大舆情" in m.text and "待领导确认" in m.text, timeout=timeout
    )
    return card.message_id


async def test_draft_approval_stabilise_follow_up_review_close(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            card = await report_major(tg)
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: m.message_id == card and "处置中" in m.text)
            tg.send_message(GROUP, CLERK, "/done 1 report_up")
            await tg.wait_for(
                lambda m: m.message_id == card and "向上级报告（办公室） 已于" in m.text
            )

            tg.send_message(GROUP, CLERK, "/draft 1 release 关于网帖反映问题的情况通报\n第二段")
            # the approval message itself, not the card (whose task line says so too)
            draft = await tg.wait_for(
                lambda m: m.message_id != card and "稿件待审批" in m.text, chat_id=GROUP
            )
            assert "关于网帖反映问题的情况通报\n第二段" in draft.text and BOSS in mentioned(draft)
            tg.press_button(GROUP, CLERK, draft.message_id, "批准")  # not an approver
            await tg.wait_until(lambda: [a for a in tg.callback_answers if a.show_alert] or None)
            tg.press_button(GROUP, BOSS, draft.message_id, "退回修改")
            await tg.wait_for(lambda m: "退回了“发布通稿”的稿件" in m.text, chat_id=GROUP)
            tg.send_message(GROUP, CLERK, "/draft 1 release 第二稿")
            second = await tg.wait_for(
                lambda m: m.message_id != card and "稿件待审批" in m.text and "第二稿" in m.text
            )
            tg.press_button(GROUP, BOSS, second.message_id, "批准")
            await tg.wait_for(
                lambda m: m.message_id == card and "发布通稿（办公室） 已于" in m.text
            )

            tg.press_button(GROUP, BOSS, card, "已平稳")
            await tg.wait_for(lambda m: "确认舆情已趋于平稳" in m.text, chat_id=GROUP)
            # the first 续报 after the calm is a task: warned of, then due
            prompt = await tg.wait_for(
                lambda m: "「报送舆情稳定后续报（第1次）」" in m.text, timeout=6
            )
            assert "@li_clerk" in prompt.text
            tg.send_message(GROUP, CLERK, "/update 1 网上讨论已明显减少")
            tg.send_message(GROUP, CLERK, "/review 1 一、基本情况……二、处置经过……")
            review = await tg.wait_for(
                lambda m: m.message_id != card and "书面总结" in m.text and "稿件待审批" in m.text
            )
            tg.press_button(GROUP, BOSS, review.message_id, "批准")
            await tg.wait_for(lambda m: "已批准书面总结，事件结案" in m.text, chat_id=GROUP)
            closed = await tg.wait_for(lambda m: m.message_id == card and "已结案" in m.text)
            assert buttons(closed) == []  # nothing left to decide
            tg.send_message(GROUP, CLERK, "/done 1 release")
            await tg.wait_for(lambda m: "该事件已经结束" in m.text, chat_id=GROUP)

            tg.send_message(GROUP, CLERK, "/export 1")
            report = await tg.wait_for(lambda m: m.file.filename.endswith(".docx"))
            assert report.text == "#1 舆情处置情况报告（草稿）"
            assert report.file is not None and report.file.content is not None
            document = Document(BytesIO(report.file.content))
            masthead, title = document.paragraphs[:2]  # the plan names no unit: a blank for it
            assert masthead.text.startswith("（发文单位）\t") and title.text == "舆情处置情况报告"
            chart = await tg.wait_for(lambda m: m.file.filename.endswith(".png"))
            assert chart.file.content[:4] == b"\x89PNG"


async def test_force_reply_description_and_bad_input(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            tg.send_message(GROUP, EYE, "/report")
            prompt = await tg.wait_for(lambda m: "请回复本消息" in m.text, chat_id=GROUP)
            assert prompt.markup and prompt.markup.get("force_reply") and prompt.markup["selective"]
            tg.reply(GROUP, EYE, prompt.message_id, "微博热搜：<b>某事</b> & 其他")
            question = await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP)
            assert question
            for bad, expected in [
                ("/done", "用法：/done N task"),
                ("/done 99 report_up", "没有找到事件 #99"),
                ("/status x", "用法：/status N"),
                ("/lang fr", "用法：/lang zh|en"),
            ]:
                tg.send_message(GROUP, CLERK, bad)
                await tg.wait_for(lambda m, e=expected: e in m.text, chat_id=GROUP)
            tg.send_message(GROUP, CLERK, "/lang en")
            await tg.wait_for(lambda m: m.text == "This chat now uses English.", chat_id=GROUP)
            tg.send_message(GROUP, CLERK, "/status 1")
            status = await tg.wait_for(lambda m: m.text.startswith("#1 — incident"), chat_id=GROUP)
            assert "Report: 微博热搜：<b>某事</b> & 其他" in status.text
            assert "请回复本消息" not in status.text  # our own prompt is no attachment


async def test_help_ids_unbound_chats_and_command_menus(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        other = tg.group(-100888, "别的群")
        async with running(tg, tmp_path / "y.db"):
            tg.send_message(other, STRANGER, "/help")
            answer = await tg.wait_for(lambda m: "本群 ID：-100888" in m.text, chat_id=other)
            assert f"您的用户 ID：{STRANGER}" in answer.text and "还没有绑定预案" in answer.text
            tg.send_message(other, STRANGER, "/report 帖子")
            await tg.wait_for(lambda m: "未绑定任何预案" in m.text, chat_id=other)
            menus = tg.commands
            zh = [c["description"] for c in menus[("all_group_chats", "")]]
            en = [c["description"] for c in menus[("all_group_chats", "en")]]
            assert zh[0] == "报告舆情" and en[0] == "Report a negative post"


async def test_429_and_5xx_are_retried_and_nothing_is_lost_or_reordered(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db"):
            tg.fail_next("sendMessage", status=429, retry_after=1)
            tg.fail_next("editMessageText", status=502, count=2)
            card = await report_major(tg, timeout=15)  # backoff 1 s, 2 s; a held chat's 1 s
            tg.fail_next("sendMessage", status=500, count=2)
            tg.press_button(GROUP, BOSS, card, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级" in m.text, timeout=15)
            await tg.wait_for(lambda m: m.message_id == card and "处置中" in m.text, timeout=15)
            sent = [m.text.split("\n")[0] for m in tg.sent(GROUP)]
            assert sent[:3] == [
                "#1 定级问题 1/2： 传播范围？",
                "#1 定级问题 2/2： 主流媒体是否报道？",
                "#1 重大舆情 · 处置中",
            ]
            assert len(sent) == len(set(sent))  # each message once
            failed = [r for r in tg.requests if r.status in (429, 500, 502)]
            assert len(failed) == 5
