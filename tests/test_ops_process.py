"""The real `yuqing-bot run`: /healthz and /metrics on YUQING_HTTP_PORT, its log as JSON lines."""

import json
import socket
from pathlib import Path

from e2e_support import GROUP, people
from fakeapi import FakeBotAPI
from fakewecom import FakeWeCom
from ops_support import free_port, health_when, metrics_when, sample
from process_support import confirm, report_major, start_bot
from wecom_process import EYE as EYE_WECOM
from wecom_process import GROUP as GROUP_WECOM
from wecom_process import ROBOT, start_wecom_bot, wecom_env


async def test_run_serves_health_and_metrics_and_logs_one_json_object_a_line(
    tmp_path: Path,
) -> None:
    port = free_port()
    extra = {"YUQING_HTTP_PORT": str(port), "YUQING_LOG_FORMAT": "json"}
    async with FakeBotAPI() as tg:
        people(tg)
        bot = await start_bot(tg, tmp_path / "y.db", extra=extra)
        try:
            body = await health_when(port, 200)
            assert set(body["checks"]) == {"database", "leader", "clock", "telegram"}
            card = await report_major(tg, GROUP, 1)
            await confirm(tg, GROUP, card)
            text = await metrics_when(port, "yuqing_updates_total", 4, transport="telegram")
            assert sample(text, "yuqing_clock_leader") == 1
        finally:
            await bot.stop()
        assert bot.process.returncode == 0
    records = [json.loads(line) for line in bot.lines if line.strip()]
    assert records and all(set(r) >= {"time", "level", "logger", "message"} for r in records)
    assert any(r["message"].startswith("yuqing-bot started") for r in records)
    assert any(f":{port}/healthz" in r["message"] for r in records)


async def test_a_taken_port_stops_run_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        extra = {"YUQING_HTTP_PORT": str(port), "YUQING_LOCALE": "en"}
        async with FakeBotAPI() as tg:
            people(tg)
            bot = await start_bot(tg, tmp_path / "y.db", extra=extra)
            code = await bot.exited(60)
    lines = [line for line in bot.lines if line.strip()]
    assert code == 1
    assert lines == [
        f"/healthz and /metrics cannot listen on 127.0.0.1 port {port}: the port is already in"
        " use. Stop the program using it or change YUQING_HTTP_PORT."
    ]


async def test_run_on_wecom_alone_reports_the_long_connection(tmp_path: Path) -> None:
    port = free_port()
    async with FakeWeCom(robots=(ROBOT,)) as wecom:
        env = {**wecom_env(wecom, tmp_path / "y.db"), "YUQING_HTTP_PORT": str(port)}
        bot = await start_wecom_bot(env, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            body = await health_when(port, 200)
            assert body["checks"] == {
                "database": {"ok": True},
                "leader": {"ok": True, "this_process": True},
                "clock": {"ok": True},
                "wecom": {"ok": True},
            }
            await wecom.say(GROUP_WECOM, EYE_WECOM, "/report 网帖称某单位违规", timeout=20)
            await metrics_when(port, "yuqing_updates_total", 1, transport="wecom")
            await wecom.kick()  # another instance took over: this one's WeCom is down for good
            body = await health_when(port, 503)
            assert body["checks"]["wecom"] == {"ok": False, "problem": "long connection kicked"}
        finally:
            await bot.stop()
