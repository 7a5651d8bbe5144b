"""Handlers without a network: a stub transport and Application.process_update (PTB's way)."""

import asyncio
import inspect
import json
import logging
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import BOSS, CLERK, EYE, GROUP, PLANS, UNLIMITED
from pydantic import SecretStr
from telegram import Update
from telegram.ext import MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.service.buttons import Answer, Cancel, Confirm, Stabilise, pack
from bot.service.plans import PlanBook
from bot.settings import Settings
from bot.telegram.app import App, build
from bot.telegram.common import _together, alongside, use_case
from bot.telegram.runtime import Context, Runtime

BOT = {"id": 999, "is_bot": True, "first_name": "舆情助手", "username": "yq_bot"}


class StubRequest(BaseRequest):
    """Answers every Bot API call like Telegram would, and records it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.next_id = 100

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name == "getUpdates":
            result = []
        elif name in ("sendMessage", "editMessageText"):
            self.next_id += 1
            result = {
                "message_id": params.get("message_id", self.next_id),
                "date": 0,
                "chat": {"id": params["chat_id"], "type": "supergroup"},
                "from": BOT,
                "text": params["text"],
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def texts(self, method: str = "sendMessage") -> list[str]:
        return [params["text"] for name, params in self.calls if name == method]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[App, StubRequest]]:
    settings = Settings(
        _env_file=None,
        telegram_token=SecretStr("1:TEST"),  # type: ignore[call-arg]
        database=tmp_path / "y.db",
        plans=PLANS / "e2e.yaml",
    )
    stub = StubRequest()
    # the stub enforces no flood limits, so the bot keeps none
    application = build(
        settings, PlanBook.load(settings.plans), request=stub, capabilities=UNLIMITED
    )
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    yield application, stub
    await application.post_shutdown(application)
    await application.shutdown()


UPDATE_ID = iter(range(1, 10_000))
USERNAMES = {CLERK: "li_clerk"}  # the plan names the clerk by @username


def sender(user: int) -> dict[str, Any]:
    """A Telegram user object."""
    found = {"id": user, "is_bot": False, "first_name": f"u{user}"}
    if user in USERNAMES:
        found["username"] = USERNAMES[user]
    return found


def message(user: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A group message update (with a bot_command entity when the text is a command)."""
    body: dict[str, Any] = {
        "message_id": next(UPDATE_ID) + 5000,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "群"},
        "from": sender(user),
        **extra,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(UPDATE_ID), "message": body}


def press(user: int, data: str) -> dict[str, Any]:
    """A callback-query update."""
    return {
        "update_id": next(UPDATE_ID),
        "callback_query": {
            "id": f"q{next(UPDATE_ID)}",
            "chat_instance": "c",
            "data": data,
            "from": sender(user),
            "message": {"message_id": 1, "date": 0, "chat": {"id": GROUP, "type": "supergroup"}},
        },
    }


async def feed(application: App, raw: dict[str, Any]) -> None:
    await application.process_update(Update.de_json(raw, application.bot))
    runtime = application.bot_data["yuqing"]
    assert isinstance(runtime, Runtime)
    await runtime.deliveries["telegram"].drain()


async def incidents(application: App) -> list[Any]:
    runtime = application.bot_data["yuqing"]
    return await runtime.service.store.list_incidents()  # type: ignore[no-any-return]


async def test_the_same_update_twice_has_one_effect(app: tuple[App, StubRequest]) -> None:
    application, stub = app
    update = message(EYE, "/report 重复投递的更新")
    await feed(application, update)
    await feed(application, update)
    assert len(await incidents(application)) == 1
    assert len([t for t in stub.texts() if "定级问题 1/2" in t]) == 1


async def test_photo_caption_and_reply_to_a_forwarded_post(app: tuple[App, StubRequest]) -> None:
    application, _ = app
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "large", "file_unique_id": "l", "width": 900, "height": 900},
    ]
    await feed(
        application,
        message(
            EYE,
            caption="/report 截图里的帖子",
            photo=photo,
            caption_entities=[{"type": "bot_command", "offset": 0, "length": 7}],
        ),
    )
    post = {
        "message_id": 77,
        "date": 0,
        "chat": {"id": GROUP, "type": "supergroup"},
        "text": "转发的帖子 https://weibo.example/p/1",
        "entities": [{"type": "url", "offset": 6, "length": 26}],
        "forward_origin": {"type": "hidden_user", "sender_user_name": "网友", "date": 0},
    }
    await feed(application, message(EYE, "/report", reply_to_message=post))
    first, second = await incidents(application)
    assert first.description == "截图里的帖子"
    assert [(a.kind, a.value) for a in first.attachments] == [("photo", "large")]
    assert second.description == "转发的帖子 https://weibo.example/p/1"
    assert [(a.kind, a.value) for a in second.attachments] == [
        ("text", "转发的帖子 https://weibo.example/p/1"),
        ("link", "https://weibo.example/p/1"),
    ]


async def test_two_reporters_at_once_and_forged_buttons(app: tuple[App, StubRequest]) -> None:
    application, stub = app
    await feed(application, message(EYE, "/report 第一件"))
    await feed(application, message(EYE, "/report 第二件"))
    one, two = await incidents(application)
    await feed(application, press(EYE, pack(Answer(two.id, 0, "low"))))
    await feed(application, press(EYE, pack(Answer(one.id, 0, "high"))))
    one, two = await incidents(application)
    assert (one.answers, two.answers) == ({"reach": "high"}, {"reach": "low"})
    for forged in ["garbage", "y1:c:99999:", pack(Confirm(one.id))[:-1] + "x"]:
        await feed(application, press(BOSS, forged))
    alerts = [p for name, p in stub.calls if name == "answerCallbackQuery" and p.get("show_alert")]
    assert len(alerts) == 3 and all("按钮已失效" in a["text"] for a in alerts)
    await feed(application, press(CLERK, pack(Cancel(one.id))))
    refused = [p for name, p in stub.calls if name == "answerCallbackQuery"][-1]
    assert refused["show_alert"] and refused["text"] == "只有组长可以这样做。"
    assert (await incidents(application))[0].state.value == "reported"


async def test_review_as_a_captioned_document(app: tuple[App, StubRequest]) -> None:
    application, stub = app
    await feed(application, message(EYE, "/report 需要总结的事件"))
    [incident] = await incidents(application)
    for index, option in enumerate(["low", "yes"]):
        await feed(
            application,
            press(EYE, pack(Answer(incident.id, index, option))),
        )
    await feed(application, press(BOSS, pack(Confirm(incident.id))))
    await feed(application, press(BOSS, pack(Stabilise(incident.id))))
    document = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "总结报告.docx"}
    await feed(application, message(CLERK, caption="/review 1 见附件", document=document))
    assert any("书面总结" in text and "总结报告.docx" in text for text in stub.texts())
    runtime = application.bot_data["yuqing"]
    content = await runtime.service.store.obligation_content(incident.id, "review")
    assert content == "见附件\n📄 总结报告.docx"  # the file's name, not Telegram's id for it
    assert "doc-1" not in " ".join(stub.texts())


async def test_stats_in_the_group(app: tuple[App, StubRequest]) -> None:
    application, stub = app
    await feed(application, message(EYE, "/report 统计用的事件"))
    [incident] = await incidents(application)
    for index, option in enumerate(["high", "yes"]):
        data = pack(Answer(incident.id, index, option))
        await feed(application, press(EYE, data))
    await feed(application, message(BOSS, "/stats 30"))
    assert stub.texts()[-1].startswith("【端到端测试预案】事件 1 起（不含演练）\n· 重大：1 起")
    assert [name for name, _ in stub.calls][-1] == "sendPhoto"
    await feed(application, message(BOSS, "/stats x"))
    assert stub.texts()[-1] == "用法：/stats [days]"


async def test_commands_addressed_to_this_bot_read_their_arguments(
    app: tuple[App, StubRequest],
) -> None:
    application, stub = app
    await feed(application, message(EYE, "/report@YQ_bot\n第一行\n第二行"))
    [incident] = await incidents(application)
    assert incident.description == "第一行\n第二行"
    await feed(application, message(CLERK, "/status@yq_bot #1"))
    assert stub.texts()[-1].startswith("<b>#1 —舆情</b> · 定级中\n舆情内容： 第一行\n第二行")
    await feed(application, message(CLERK, "/STATS@yq_bot x"))
    assert stub.texts()[-1] == "用法：/stats [days]"
    await feed(application, message(CLERK, "/lang@yq_bot english"))
    assert stub.texts()[-1] == "This chat now uses English."


async def test_work_queued_beside_a_handler_that_then_fails_is_closed_not_left(
    app: tuple[App, StubRequest], caplog: pytest.LogCaptureFixture
) -> None:
    application, _ = app
    queued: list[Coroutine[Any, Any, None]] = []

    async def acknowledgement() -> None:
        """What a press queues beside its messages."""

    @use_case
    async def failing(update: Update, context: Context) -> None:
        queued.append(acknowledgement())
        await alongside(queued[-1])
        raise RuntimeError("a bug after the acknowledgement was queued")

    application.add_handler(MessageHandler(filters.Regex("^boom$"), failing), group=1)
    with caplog.at_level(logging.ERROR, logger="bot.telegram.app"):
        await feed(application, message(EYE, "boom"))
    assert [inspect.getcoroutinestate(work) for work in queued] == [inspect.CORO_CLOSED]
    assert any(r.exc_info and "a bug after" in str(r.exc_info[1]) for r in caplog.records)


async def test_a_use_cases_delivery_alone_starts_at_once_and_its_error_is_kept() -> None:
    order: list[str] = []

    async def delivery(fails: bool) -> None:
        order.append("delivery")
        if fails:
            raise RuntimeError("the sender broke")

    asyncio.get_running_loop().call_soon(order.append, "other work")
    assert await _together([delivery(False)]) == [None]
    assert order == ["delivery"]  # before anything else waiting for the event loop
    [failed] = await _together([delivery(True)])
    assert isinstance(failed, RuntimeError)


async def test_delivery_and_work_alongside_run_together_each_error_kept() -> None:
    started: list[str] = []
    both = asyncio.Event()

    async def work(name: str, fails: bool) -> None:
        started.append(name)
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 5)  # neither finishes before the other began
        if fails:
            raise ValueError(name)

    outcomes = await _together([work("delivery", False), work("acknowledgement", True)])
    assert outcomes[0] is None and isinstance(outcomes[1], ValueError)
