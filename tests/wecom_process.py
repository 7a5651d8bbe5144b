"""The real ``yuqing-bot run`` against the fake WeCom: starting it, and what a group member does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dbswitch import database_env
from e2e_support import PLANS
from fakewecom import FakeWeCom
from process_support import EXE, BotProcess, spawn

GROUP = "wrGROUP1"
ROBOT = "ROBOTKEY1"
BOSS, CLERK, EYE, STRANGER = "wangzz", "lizr", "zhangx", "passerby"
WECOM_PLAN = PLANS / "wecom.yaml"


def wecom_env(wecom: FakeWeCom, db: Path, plans: Path = WECOM_PLAN) -> dict[str, str]:
    """The settings of a WeCom-only bot on the fake (its group's robot key included)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "YUQING_WECOM_BOT_ID": wecom.bot_id,
        "YUQING_WECOM_SECRET": wecom.secret,
        "YUQING_WECOM_WS_URL": wecom.ws_url,
        "YUQING_WECOM_WEBHOOK_URL": wecom.webhook_url,
        "YUQING_WECOM_WEBHOOKS": json.dumps({GROUP: ROBOT}),
        **database_env(db),
        "YUQING_PLANS": str(plans),
    }


async def start_wecom_bot(env: dict[str, str], cwd: Path) -> BotProcess:
    """``yuqing-bot run`` with these settings (stderr collected)."""
    assert EXE is not None, "the yuqing-bot console script is not installed"
    return await spawn([EXE, "run"], env, cwd)


def title(card: dict[str, Any]) -> str:
    """A card's title and description."""
    main = card.get("main_title", {})
    return f"{main.get('title', '')} {main.get('desc', '')}"


def labels(card: dict[str, Any]) -> list[str]:
    """A card's button texts."""
    return [str(b["text"]) for b in card.get("button_list", [])]


def label(card: dict[str, Any], part: str) -> str:
    """The text of the button whose text holds ``part``."""
    found = [text for text in labels(card) if part in text]
    assert found, f"no button with {part!r}: {labels(card)}"
    return found[0]


async def reply_card(wecom: FakeWeCom, req_id: str) -> tuple[str, dict[str, Any]]:
    """The card that answered message ``req_id``: its task id and the card."""
    answer = await wecom.wait_reply(req_id, timeout=20)
    card = answer.body.get("template_card")
    assert isinstance(card, dict), f"not a card: {answer.body}"
    return str(card["task_id"]), card


async def shows(wecom: FakeWeCom, task_id: str, text: str, userid: str | None = None) -> Any:
    """Card ``task_id`` once its title, description or body shows ``text``."""

    def has(card: dict[str, Any]) -> bool:
        return text in title(card) or text in str(card.get("sub_title_text", ""))

    return await wecom.wait_card(task_id, has, userid, timeout=20)
