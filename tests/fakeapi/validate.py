"""Parameter access and the checks Telegram applies to texts and reply markups."""

from __future__ import annotations

import json
import re
from typing import Any

from .htmltext import EntityParseError, detect_entities, parse_html, sort_entities, trim
from .model import JSON, bad_request
from .state import State

MAX_TEXT = 4096
MAX_CAPTION = 1024
_BUTTON_ACTIONS = [
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
]
_URL = re.compile(r"^(https?|tg)://\S+$")

# Parameters that are strings even when their form value looks like JSON ("123", "true").
STRING_PARAMS = frozenset(
    [
        "text",
        "caption",
        "callback_query_id",
        "parse_mode",
        "action",
        "url",
        "inline_message_id",
        "secret_token",
        "language_code",
        "ip_address",
        "title",
        "description",
        "file_id",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "name",
        "short_description",
    ]
)


def coerce_form_value(name: str, value: Any) -> Any:
    """Turn a form/multipart string back into the JSON value PTB encoded."""
    if not isinstance(value, str) or name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class Params:
    """Typed access to request parameters with Telegram's error messages."""

    def __init__(self, data: JSON) -> None:
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        return None if value is None else str(value)

    def int(self, name: str, *, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def obj(self, name: str, error: str | None = None) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error or f"can't parse {name} JSON object") from None
        return value


def format_text(
    state: State,
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    caption: bool = False,
) -> tuple[str, list[JSON]]:
    """Validate a message text/caption and return (plain text, entities) as Telegram stores it."""
    if text is None or text == "":
        if caption:
            return "", []
        raise bad_request("message text is empty")
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, found = parse_html(text, strict=state.strict_html, lookup_user=state.lookup_user)
        except EntityParseError as err:
            raise bad_request(f"can't parse entities: {err}") from None
    elif mode in ("", "markdown", "markdownv2"):  # Markdown is stored unparsed (known gap)
        plain = text
        found = list(entities) if isinstance(entities, list) and not mode else []
    else:
        raise bad_request("unsupported parse_mode")
    plain, found = trim(plain, found)
    if not plain:
        if caption:
            return "", []
        raise bad_request("message text is empty")
    if len(plain) > (MAX_CAPTION if caption else MAX_TEXT):
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, sort_entities(found + detect_entities(plain, found))


def check_markup(value: Any) -> JSON | None:
    """Validate reply_markup; returns the decoded markup (or None when absent)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_button(button)
        return value
    if value.get("force_reply") is True or "keyboard" in value or "remove_keyboard" in value:
        return value
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # approximation of Telegram's wording
    actions = [a for a in _BUTTON_ACTIONS if a in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def scope_key(scope: Any) -> str:
    """ "default", "all_group_chats", "chat:-100123", "chat_member:-100123:42", ..."""
    if not scope:
        return "default"
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    parts = [str(scope["type"])]
    parts += [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts)


def check_commands(commands: Any) -> list[JSON]:
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(item.get("description", "")).strip()) <= 256:
            raise bad_request("command description is empty")  # approximation
    return commands


def check_language(code: str | None) -> str:
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("LANG_CODE_INVALID")  # approximation: Telegram wants ISO 639-1
    return code or ""
