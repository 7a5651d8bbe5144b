"""What the WeCom wire raises: the long connection (client) and the group robot (robot).

WeComError
├── SubscribeRejected  the server refused the bot's credentials: retrying cannot help
├── Rejected           the server answered a request with an errcode (``code``, ``errmsg``)
│   ├── RateLimited    846607 (pushes) or 45009 (robot): back off and try again
│   └── BadRobotKey    93000: the group's robot key is wrong (the message names the group)
├── NoRobot            no robot key is configured for that group
└── Unreachable        no answer: not connected, network error, dropped, or no ack in time
    └── Kicked         another instance took the bot over: this client sends nothing more

No message carries the secret or a robot key.
"""

from __future__ import annotations


class WeComError(Exception):
    """Base of every error of the WeCom wire."""


class SubscribeRejected(WeComError):
    """The server refused ``aibot_subscribe`` (853000: a wrong BotID or Secret); it is final."""

    def __init__(self, code: int, errmsg: str) -> None:
        super().__init__(f"WeCom refused the bot's credentials: {code} {errmsg}")
        self.code = code
        self.errmsg = errmsg


class Rejected(WeComError):
    """The server answered a request with a non-zero errcode."""

    def __init__(self, code: int, errmsg: str, what: str = "request") -> None:
        super().__init__(f"WeCom refused the {what}: {code} {errmsg}")
        self.code = code
        self.errmsg = errmsg


class RateLimited(Rejected):
    """Over a frequency limit (846607 per conversation, 45009 per robot): wait, then retry."""


class BadRobotKey(Rejected):
    """The robot key configured for ``chatid`` is not a valid webhook (93000)."""

    def __init__(self, code: int, errmsg: str, chatid: str) -> None:
        super().__init__(code, errmsg, f"group robot key of chat {chatid}")
        self.chatid = chatid


class NoRobot(WeComError):
    """No group robot key is configured for the chat."""

    def __init__(self, chatid: str) -> None:
        super().__init__(f"no group robot key is configured for chat {chatid}")
        self.chatid = chatid


class Unreachable(WeComError):
    """The request got no answer; ``timed_out``: it may have arrived all the same."""

    def __init__(self, why: str, timed_out: bool = False) -> None:
        super().__init__(why)
        self.timed_out = timed_out


class Kicked(Unreachable):
    """Another connection with the same BotID took over; this client no longer sends."""

    def __init__(self) -> None:
        super().__init__("another instance of this WeCom bot took the connection over")
