"""What the fake WeCom server remembers: frames received, callbacks pushed, cards, robot posts."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Error codes the fake answers with. The first four are WeCom's (research §A.2); where the real
# code is unknown the fake uses WeCom's generic ones (40058 invalid parameter, 44004 empty content).
INVALID_REQ_ID = 846605
ALREADY_RESPONDED = 846606
RATE_LIMITED = 846607
BAD_CREDENTIALS = 853000
INVALID_MSGTYPE = 40008
INVALID_PARAMETER = 40058
EMPTY_CONTENT = 44004
INVALID_CHATID = 93006
NOT_SUBSCRIBED = -1
ROBOT_RATE_LIMITED = 45009
ROBOT_BAD_KEY = 93000


class Refusal(Exception):
    """A request the fake answers with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode} {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


@dataclass(frozen=True)
class Received:
    """One frame the bot sent, on connection ``conn`` (1, 2, … in order of opening)."""

    conn: int
    frame: JSON
    at: float  # the loop's time

    @property
    def cmd(self) -> str:
        return str(self.frame.get("cmd", ""))

    @property
    def req_id(self) -> str:
        return str((self.frame.get("headers") or {}).get("req_id", ""))

    @property
    def body(self) -> JSON:
        body = self.frame.get("body")
        return body if isinstance(body, dict) else {}


@dataclass
class Callback:
    """A frame the fake pushed to the bot as a user's action (message or click)."""

    req_id: str
    kind: str  # "message" or "click"
    chat: str  # the group's chatid, or the user's id in a single chat
    userid: str
    at: float
    task_id: str | None = None
    answer: Received | None = None  # the reply or update that used this req_id


@dataclass(frozen=True)
class Posted:
    """A message the bot put in a chat: a reply to a message, or a push."""

    chat: str
    kind: str  # "reply" or "push"
    body: JSON  # msgtype and its part, as sent
    req_id: str

    @property
    def msgtype(self) -> str:
        return str(self.body.get("msgtype", ""))

    @property
    def content(self) -> str | None:
        """The markdown text, if it is markdown."""
        part = self.body.get(self.msgtype)
        return part.get("content") if isinstance(part, dict) else None

    @property
    def card(self) -> JSON | None:
        """The template card, if it is one."""
        card = self.body.get("template_card")
        return card if isinstance(card, dict) else None


@dataclass
class Card:
    """A template card the bot posted, as it stands after its updates."""

    task_id: str
    chat: str
    single: bool  # posted in a single chat
    shown: JSON  # what everyone sees
    views: dict[str, JSON] = field(default_factory=dict)  # userid -> a card for them alone
    history: list[JSON] = field(default_factory=list)  # every version, the first included

    def seen_by(self, userid: str | None = None) -> JSON:
        """The card as ``userid`` sees it (everyone's when None)."""
        return copy.deepcopy(self.views.get(userid or "", self.shown))

    def buttons(self, userid: str | None = None) -> list[tuple[str, str]]:
        """(text, key) of each button, as ``userid`` sees the card."""
        found = self.seen_by(userid).get("button_list") or []
        return [(str(b.get("text", "")), str(b.get("key", ""))) for b in found]

    def title(self, userid: str | None = None) -> str:
        """The main title's text."""
        main = self.seen_by(userid).get("main_title") or {}
        return str(main.get("title", ""))


@dataclass(frozen=True)
class RobotMessage:
    """A message a group robot accepted."""

    key: str
    msgtype: str
    content: str
    mentioned_list: tuple[str, ...]
    payload: JSON
