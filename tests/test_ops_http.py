"""/healthz and /metrics over real HTTP, served by the bot running in this event loop."""

from pathlib import Path

from e2e_support import EYE, GROUP, people, running
from fakeapi import FakeBotAPI
from ops_support import free_port, get, health, health_when, metrics_when, sample
from process_support import confirm, report_major

from bot.telegram.app import LIFE


async def test_a_healthy_bot_says_so_and_counts_what_it_does(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db", http_port=port):
            body = await health_when(port, 200)
            assert body["status"] == "ok"
            assert body["checks"] == {
                "database": {"ok": True},
                "leader": {"ok": True, "this_process": True},
                "clock": {"ok": True},
                "telegram": {"ok": True},
            }
            card = await report_major(tg, GROUP, 1)
            await confirm(tg, GROUP, card)
            # the report, two answers and the confirmation: four updates at least
            text = await metrics_when(port, "yuqing_updates_total", 4, transport="telegram")
            cards = sample(text, "yuqing_messages_sent_total", transport="telegram", kind="card")
            assert cards is not None and cards >= 1
            assert sample(text, "yuqing_outbox_depth", transport="telegram") is not None
            assert (
                sample(text, "yuqing_outbox_oldest_age_seconds", transport="telegram") is not None
            )
            assert sample(text, "yuqing_clock_leader") == 1
            assert sample(text, "yuqing_rate_limited_total", transport="telegram") == 0
            # the plan's first task falls due within seconds: its reminders are measured
            text = await metrics_when(
                port, "yuqing_reminder_lateness_seconds_count", 1, transport="telegram"
            )
            late = sample(text, "yuqing_reminder_lateness_seconds_sum", transport="telegram")
            assert late is not None and late >= 0
            head = await get(port, "/healthz", "HEAD")
            assert head.status_code == 200 and head.content == b""
            assert (await get(port, "/healthz", "POST")).status_code == 405
            assert (await get(port, "/admin")).status_code == 404
            answer = await get(port, "/metrics")
            assert answer.headers["content-type"].startswith("text/plain")


async def test_an_unreachable_messenger_is_unhealthy_until_it_answers_again(
    tmp_path: Path,
) -> None:
    port = free_port()
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db", http_port=port):
            await health_when(port, 200)
            tg.fail_next("sendMessage", status=500, count=10_000)
            tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            body = await health_when(port, 503)
            assert body["status"] == "unhealthy"
            assert body["checks"]["telegram"] == {"ok": False, "problem": "unreachable"}
            assert body["checks"]["database"] == {"ok": True}
            labels = {"transport": "telegram", "reason": "unreachable"}
            await metrics_when(port, "yuqing_send_retries_total", 1, **labels)
            tg.clear_failures()
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP, timeout=90)
            await health_when(port, 200, timeout=90)


async def test_each_429_is_counted_even_when_retried_for_the_bot(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db", http_port=port):
            tg.fail_next("sendMessage", status=429, retry_after=1, count=2)
            tg.send_message(GROUP, EYE, "/report 网帖称某单位违规")
            await tg.wait_for(lambda m: "#1 定级问题 1/2" in m.text, chat_id=GROUP, timeout=30)
            text = await metrics_when(port, "yuqing_rate_limited_total", 2, transport="telegram")
            assert sample(text, "yuqing_updates_total", transport="telegram") == 1
            status, _ = await health(port)
            assert status == 200


async def test_a_dead_clock_is_unhealthy(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db", http_port=port) as application:
            await health_when(port, 200)
            life = application.bot_data[LIFE]
            for task in life.tasks:
                if task.get_name() == "yuqing-clock":
                    task.cancel()
            body = await health_when(port, 503)
            assert body["checks"]["clock"] == {"ok": False, "problem": "the clock task has ended"}
            assert body["checks"]["telegram"] == {"ok": True}
