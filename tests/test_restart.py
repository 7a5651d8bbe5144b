"""The real bot process, killed mid-incident and restarted: nothing lost, nothing sent twice."""

import asyncio
import re
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dbswitch import open_db
from e2e_support import BOSS, EYE, GROUP, people
from fakeapi import FakeBotAPI
from process_support import BotProcess, start_bot


async def start(
    tg: FakeBotAPI, db: Path, token: str | None = None, extra: dict[str, str] | None = None
) -> BotProcess:
    """``yuqing-bot run`` on the end-to-end plan (its log read as it comes, so it never blocks)."""
    return await start_bot(tg, db, token=token, extra=extra)


async def kill(bot: BotProcess) -> None:
    """SIGKILL: no chance to clean up."""
    bot.process.send_signal(signal.SIGKILL)
    await bot.process.wait()


async def exit_lines(bot: BotProcess, timeout: float) -> tuple[int, list[str]]:
    """Wait for the bot to stop by itself: its exit status and what it wrote to stderr."""
    code = await bot.exited(timeout)
    return code, [line for line in bot.lines if line.strip()]


async def delivered(db: Path, timeout: float = 10.0) -> None:
    """Wait until the running bot has recorded every owed message as sent."""
    async with await open_db(db) as store:
        for _ in range(int(timeout / 0.02)):
            if not await store.pending():
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the bot did not record its messages as sent")


EVERY = timedelta(seconds=2)  # overdue_every in tests/plans/e2e.yaml


def texts(tg: FakeBotAPI) -> list[str]:
    return [m.text for m in tg.sent(GROUP)]


def overdue(sent: list[str]) -> list[int]:
    """The numbers of the overdue reminders for 「向上级报告」 among ``sent``, in order."""
    found = (re.search(r"「向上级报告」已逾期.*第 (\d+) 次提醒", text) for text in sent)
    return [int(match.group(1)) for match in found if match]


async def test_killed_and_restarted_bot_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        bot = await start(tg, db)
        try:
            tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            first = await tg.wait_for(lambda m: "定级问题 1/2" in m.text, timeout=20)
            tg.press_button(GROUP, EYE, first.message_id, "50条以内")
            second = await tg.wait_for(lambda m: "定级问题 2/2" in m.text)
            await kill(bot)  # mid-conversation

            bot = await start(tg, db)
            tg.press_button(GROUP, EYE, second.message_id, "是")  # pressed on the old message
            card = await tg.wait_for(lambda m: "#1 重大舆情" in m.text, timeout=20)
            tg.press_button(GROUP, BOSS, card.message_id, "确认等级")
            await tg.wait_for(lambda m: "已确认事件等级" in m.text)
            # Killed once the approval and its messages are recorded. A kill between Telegram
            # accepting a message and the bot recording it would send that message again on
            # restart: delivery is at-least-once in that window (see docs/delivery.md).
            await delivered(db)
            await kill(bot)  # right after an approval

            async with await open_db(db) as store:
                incident = await store.get_by_number(1)
            assert incident is not None and incident.state.value == "active"
            due = incident.obligation("report_up").due_at
            assert due is not None
            # the bot is down while the deadline and the first overdue reminder pass
            await tg.wait_until(
                lambda: datetime.now(UTC) > due + timedelta(seconds=2.5),
                timeout=10,
                what="the deadline to pass",
            )
            before, restarted = len(tg.sent(GROUP)), datetime.now(UTC)
            bot = await start(tg, db)
            await tg.wait_until(
                lambda: overdue(texts(tg)[before:]), timeout=20, what="the catch-up reminder"
            )
        finally:
            if bot.process.returncode is None:
                await kill(bot)
    # How many reminders fell due while it was down depends on how fast it restarts: the
    # catch-up is the latest of them (at least the 2nd), once; later ones follow in order.
    numbers = overdue(texts(tg)[before:])
    assert numbers[0] >= 2 and numbers == sorted(set(numbers))
    later = [text for text in texts(tg)[before:] if "「向上级报告」" in text]
    assert not any("将于" in text or "已到截止时间" in text for text in later)
    async with await open_db(db) as store:
        timeline = await store.timeline(incident.id)
    reminded = [
        e
        for e in timeline
        if e.kind in ("reminder", "escalation") and e.data["obligation"] == "report_up"
    ]
    assert len({e.at for e in reminded}) == len(reminded)  # one per tick, never a burst
    caught_up = next(e for e in reminded if e.at >= restarted)
    number = caught_up.data["number"]
    assert number == numbers[0]
    assert due + (number - 1) * EVERY <= caught_up.at < due + number * EVERY  # the latest due
    counts = Counter(texts(tg))
    assert counts["#1 定级问题 1/2： 传播范围？\n→ 50条以内"] == 1
    assert [text for text, n in counts.items() if n > 1] == []  # nothing was sent twice


async def test_run_refuses_a_bad_token_with_one_clear_line(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        bot = await start(tg, tmp_path / "y.db", token="999:WRONG")
        code, lines = await exit_lines(bot, 30)
    assert code == 1
    assert lines[-1] == (
        "Telegram 拒绝了该令牌（YUQING_TELEGRAM_TOKEN）：请检查是否完整、是否已被撤销。"
    )


async def test_run_says_when_the_api_is_unreachable(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        tg.refuse_connections(True)
        bot = await start(tg, tmp_path / "y.db")
        code, lines = await exit_lines(bot, 60)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(f"无法连接 Telegram 接口 {tg.base_url}")


async def test_webhook_mode_with_a_secret_token(tmp_path: Path) -> None:
    import json
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with FakeBotAPI() as tg:
        people(tg)
        extra = {
            "YUQING_WEBHOOK_URL": "https://bot.example.org/yuqing",  # behind a TLS proxy
            "YUQING_WEBHOOK_SECRET": "s3cret-token",
            "YUQING_WEBHOOK_LISTEN": "127.0.0.1",
            "YUQING_WEBHOOK_PORT": str(port),
        }
        bot = await start(tg, tmp_path / "y.db", extra=extra)
        try:
            hook = await tg.wait_until(lambda: tg.webhook.get("url") and tg.webhook, timeout=20)
            assert hook["secret_token"] == "s3cret-token"
            update = tg.send_message(GROUP, EYE, "/report 通过 webhook 报告")
            body = {"update_id": 424242, "message": update}
            async with httpx.AsyncClient() as client:
                for _ in range(100):  # the webhook server may still be starting
                    try:
                        wrong = await client.post(
                            f"http://127.0.0.1:{port}/",
                            content=json.dumps(body),
                            headers={
                                "X-Telegram-Bot-Api-Secret-Token": "no",
                                "Content-Type": "application/json",
                            },
                        )
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                assert wrong.status_code == 403
                right = await client.post(
                    f"http://127.0.0.1:{port}/",
                    content=json.dumps(body),
                    headers={
                        "X-Telegram-Bot-Api-Secret-Token": "s3cret-token",
                        "Content-Type": "application/json",
                    },
                )
                assert right.status_code == 200
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, timeout=10)
        finally:
            await kill(bot)
