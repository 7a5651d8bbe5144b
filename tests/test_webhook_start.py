"""Webhook mode: an address that cannot be listened on stops the bot before Telegram is told."""

import socket
from pathlib import Path

import pytest
from e2e_support import PLANS
from fakeapi import FakeBotAPI
from process_support import start_bot

from bot.cli import run
from bot.settings import Settings


async def test_a_port_in_use_stops_the_bot_before_set_webhook(tmp_path: Path) -> None:
    with socket.socket() as other:  # another server already listens on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        async with FakeBotAPI() as tg:
            extra = {
                "YUQING_WEBHOOK_URL": "https://bot.example.org/yuqing",
                "YUQING_WEBHOOK_LISTEN": "127.0.0.1",
                "YUQING_WEBHOOK_PORT": str(port),
            }
            bot = await start_bot(tg, tmp_path / "y.db", extra=extra)
            code = await bot.exited(60)
    lines = [line for line in bot.lines if line.strip()]
    assert code == 1
    assert lines == [
        f"webhook 无法监听 127.0.0.1 端口 {port}：该端口已被占用。"
        "请关闭占用它的程序，或更改 YUQING_WEBHOOK_PORT。"
    ]
    assert [r.method for r in tg.requests if r.method == "setWebhook"] == []
    assert tg.webhook == {"url": ""}


async def test_a_webhook_url_telegram_refuses_stops_with_a_clear_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with FakeBotAPI() as tg:
        refusal = "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
        tg.fail_next("setWebhook", status=400, description=refusal)
        extra = {
            "YUQING_WEBHOOK_URL": "https://no-such-host.example/",
            "YUQING_WEBHOOK_LISTEN": "127.0.0.1",
            "YUQING_WEBHOOK_PORT": str(port),
        }
        bot = await start_bot(tg, tmp_path / "y.db", extra=extra)
        code = await bot.exited(60)
    lines = [line for line in bot.lines if line.strip()]
    assert code == 1
    assert lines[-1].startswith("机器人无法启动，Telegram 返回：")
    assert "failed to resolve host" in lines[-1]  # as python-telegram-bot words it


def test_an_address_that_is_not_this_machines_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        locale="en",
        telegram_token="1:TEST",
        plans=PLANS / "e2e.yaml",
        database=tmp_path / "y.db",
        webhook_url="https://bot.example.org/yuqing",
        webhook_listen="192.0.2.1",  # TEST-NET-1: never an address of this machine
        webhook_port=8443,
    )
    assert run(["run"], settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("The webhook cannot listen on 192.0.2.1 port 8443: ")
    assert err.endswith("Check YUQING_WEBHOOK_LISTEN and YUQING_WEBHOOK_PORT.\n")
    assert len(err.splitlines()) == 1 and not (tmp_path / "y.db").exists()
