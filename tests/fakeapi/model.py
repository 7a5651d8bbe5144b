"""Plain data types shared by the fake Bot API: users, chats, recorded requests, views."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from .htmltext import entity_text

JSON = dict[str, Any]


class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @property
    def mention_html(self) -> str:
        return f'<a href="tg://user?id={self.id}">{html.escape(self.first_name)}</a>'


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # "private" | "group" | "supergroup" | "channel"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.is_forum:
            data["is_forum"] = True
        return data

    @property
    def kind(self) -> str:
        """The word Telegram uses in "Forbidden: bot was kicked from the <kind> chat"."""
        return "supergroup" if self.type == "supergroup" else self.type


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (multipart) or a user sent; ``content`` is None for references."""

    file_id: str
    filename: str | None
    content: bytes | None
    mime_type: str | None = None
    reference: str | None = None  # file_id / URL string when the bot didn't upload bytes


@dataclass
class ApiRequest:
    """One HTTP call to ``/bot<token>/<method>``, recorded in arrival order."""

    method: str
    params: JSON
    at: float  # time.monotonic() on arrival
    token: str
    status: int = 0  # HTTP status of the reply; 0 while in progress, -1 if dropped
    response: Any = None  # the JSON body sent back

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    data: str | None  # callback_data of the button that produced the query
    user_id: int
    message_id: int | None


@dataclass(frozen=True)
class Edit:
    """State of a message right after one edit."""

    text: str | None
    entities: list[JSON]
    reply_markup: JSON | None


@dataclass
class StoredMessage:
    data: JSON  # Telegram Message object, current state
    from_bot: bool
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False
    file: UploadedFile | None = None
    markup: JSON | None = None  # reply_markup as the bot sent it (incl. force_reply)


@dataclass(frozen=True)
class BotMessage:
    """Snapshot of a message the bot sent, as it looks now (after edits)."""

    raw: JSON
    edits: list[Edit]
    deleted: bool
    file: UploadedFile | None
    markup: JSON | None  # reply_markup as the bot sent it (force_reply isn't echoed in raw)

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.raw["chat"]["id"])

    @property
    def text(self) -> str:
        """The text, or the caption for media messages ("" if neither)."""
        return str(self.raw.get("text", self.raw.get("caption", "")))

    @property
    def entities(self) -> list[JSON]:
        return list(self.raw.get("entities") or self.raw.get("caption_entities") or [])

    @property
    def reply_markup(self) -> JSON | None:
        return self.raw.get("reply_markup")

    @property
    def force_reply(self) -> bool:
        return bool((self.markup or {}).get("force_reply"))

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self.raw.get("reply_to_message")
        return int(reply["message_id"]) if reply else None

    @property
    def buttons(self) -> list[list[JSON]]:
        """Rows of inline keyboard buttons ([] when there is no inline keyboard)."""
        return [list(row) for row in (self.reply_markup or {}).get("inline_keyboard", [])]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def button(self, label: str) -> JSON:
        """The inline button whose text is ``label`` (or contains it); AssertionError if none."""
        flat = [b for row in self.buttons for b in row]
        for exact in (True, False):
            for b in flat:
                if (b["text"] == label) if exact else (label in b["text"]):
                    return b
        raise AssertionError(f"no button {label!r} in {[b['text'] for b in flat]}")

    @property
    def mentioned_user_ids(self) -> list[int]:
        return [e["user"]["id"] for e in self.entities if e["type"] == "text_mention"]

    def entity_texts(self, kind: str) -> list[str]:
        """Texts covered by entities of ``kind`` (e.g. "bold", "text_mention")."""
        return [entity_text(self.text, e) for e in self.entities if e["type"] == kind]

    def __str__(self) -> str:
        state = " (deleted)" if self.deleted else ""
        markup = json.dumps(self.callback_data, ensure_ascii=False) if self.buttons else ""
        return f"[{self.chat_id}#{self.message_id}{state}] {self.text!r} {markup}".rstrip()


def member_dict(user: User, status: str) -> JSON:
    """A ChatMember object for ``status`` with every field PTB requires."""
    data: JSON = {"status": status, "user": user.to_dict()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        rights = "manage_chat delete_messages manage_video_chats restrict_members change_info "
        rights += "invite_users post_stories edit_stories delete_stories pin_messages"
        data.update({f"can_{r}": True for r in rights.split()})
        data.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
    elif status == "restricted":
        rights = "change_info invite_users pin_messages send_messages send_polls "
        rights += "send_other_messages add_web_page_previews manage_topics send_audios "
        rights += "send_documents send_photos send_videos send_video_notes send_voice_notes "
        rights += "edit_tag"
        data.update({f"can_{r}": False for r in rights.split()})
        data.update(is_member=True, until_date=0)
    elif status == "kicked":
        data["until_date"] = 0
    return data
