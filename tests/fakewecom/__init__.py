"""A fake WeCom on 127.0.0.1: the AI bot's long connection and the group robot's webhook.

    async with FakeWeCom(bot_id="BOT1", secret="S", robots=("K1",)) as wecom:
        client = WeComClient("BOT1", "S", handler, url=wecom.ws_url)      # or yuqing-bot run
        robot = Robot({"wrGROUP": "K1"}, wecom.webhook_url)
        req = await wecom.say("wrGROUP", "zhangsan", "/report 网传…")  # "@机器人 /report 网传…"
        reply = await wecom.wait_reply(req)                        # the bot's answer frame
        click = await wecom.press("task1", "较大", "zhangsan")       # a button, by its text
        card = await wecom.wait_card("task1", lambda c: c["main_title"]["title"] == "…")
        await wecom.wait_robot("K1", lambda m: "lisi" in m.mentioned_list)

Images: ``say_mixed(chat, user, text, images)`` serves each encrypted at a URL of its own
(``offer``; ``expire_media()``, ``media_fail(status)``; ``media_gets``).

Faults: ``close(code)``, ``close_after_subscribe(code, times=)``, ``drop()``, ``kick()``,
``silence_pings()``, ``reject_subscribes()``, ``fail_next(cmd, errcode)``, ``fail_sends()``,
``slow_acks(seconds)``, ``robot_fail()``. Everything is kept as it happened: ``frames``,
``callbacks``, ``posts`` (``pushes()``/``replies()``), ``cards`` (``card()``), ``robot``.
"""

from .model import (
    ALREADY_RESPONDED,
    BAD_CREDENTIALS,
    EMPTY_CONTENT,
    INVALID_CHATID,
    INVALID_MSGTYPE,
    INVALID_PARAMETER,
    INVALID_REQ_ID,
    RATE_LIMITED,
    ROBOT_BAD_KEY,
    ROBOT_RATE_LIMITED,
    Callback,
    Card,
    Posted,
    Received,
    RobotMessage,
)
from .server import FakeWeCom

__all__ = [
    "ALREADY_RESPONDED",
    "BAD_CREDENTIALS",
    "EMPTY_CONTENT",
    "INVALID_CHATID",
    "INVALID_MSGTYPE",
    "INVALID_PARAMETER",
    "INVALID_REQ_ID",
    "RATE_LIMITED",
    "ROBOT_BAD_KEY",
    "ROBOT_RATE_LIMITED",
    "Callback",
    "Card",
    "FakeWeCom",
    "Posted",
    "Received",
    "RobotMessage",
]
