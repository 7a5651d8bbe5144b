"""The fake Telegram world: users, chats, messages, the update queue. Guarded by one RLock.

Every public method takes the lock itself, so it may be called from the server's thread and
from the test's thread alike. ``on_change`` is called (outside no particular thread) whenever
an update is queued, so the server can wake long-polling ``getUpdates`` requests.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from .model import (
    JSON,
    ApiError,
    ApiRequest,
    BotMessage,
    CallbackAnswer,
    Chat,
    StoredMessage,
    UploadedFile,
    User,
    bad_request,
)

# Update types Telegram delivers when allowed_updates was never set (or set to []).
HIDDEN_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class State:
    def __init__(
        self,
        token: str,
        *,
        bot_username: str,
        bot_first_name: str,
        strict_html: bool = True,
        privacy_mode: bool = False,
    ) -> None:
        self.lock = threading.RLock()
        self.token = token
        self.bot = User(
            id=int(token.split(":", 1)[0]),
            first_name=bot_first_name,
            username=bot_username,
            language_code=None,
            is_bot=True,
        )
        self.strict_html = strict_html
        self.privacy_mode = privacy_mode
        self.users: dict[int, User] = {}
        self.not_started: set[int] = set()  # users who never opened a private chat with the bot
        self.blocked: set[int] = set()  # users who blocked the bot
        self.chats: dict[int, Chat] = {}
        self.status: dict[tuple[int, int], str] = {}  # (chat_id, user_id) -> member status
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self.updates: list[JSON] = []
        self._next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.requests: list[ApiRequest] = []
        self.callbacks: dict[str, JSON] = {}  # unanswered callback queries by id
        self.answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook: JSON = {"url": ""}
        self.files: dict[str, UploadedFile] = {}
        self._ids = itertools.count(1)
        self.on_change: Callable[[], None] = lambda: None

    # ---- helpers -------------------------------------------------------------------------
    @staticmethod
    def now() -> int:
        return int(time.time())

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.id] = user
            return user

    def add_chat(self, chat: Chat) -> Chat:
        with self.lock:
            self.chats[chat.id] = chat
            self.status.setdefault((chat.id, self.bot.id), "member")
            return chat

    def private_chat(self, user: User) -> Chat:
        return Chat(
            id=user.id,
            type="private",
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
        )

    def chat(self, chat_id: Any) -> Chat:
        """Resolve a chat_id parameter (int, numeric string or "@username"); 400 if unknown."""
        with self.lock:
            if isinstance(chat_id, str) and chat_id.startswith("@"):
                name = chat_id[1:].lower()
                for chat in self.chats.values():
                    if (chat.username or "").lower() == name:
                        return chat
                raise bad_request("chat not found")
            try:
                cid = int(chat_id)
            except (TypeError, ValueError):
                raise bad_request("chat_id is empty" if not chat_id else "chat not found") from None
            if cid in self.chats:
                return self.chats[cid]
            if cid in self.users:
                return self.private_chat(self.users[cid])
            raise bad_request("chat not found")

    def check_writable(self, chat: Chat) -> None:
        """Raise the 403 Telegram gives when the bot may not act in ``chat``."""
        with self.lock:
            if chat.type == "private":
                if chat.id in self.blocked:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if chat.id in self.not_started:
                    raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
                return
            status = self.status.get((chat.id, self.bot.id), "member")
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.kind} chat")
            if status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {chat.kind} chat")

    def lookup_user(self, user_id: int, fallback_name: str) -> JSON:
        with self.lock:
            user = self.users.get(user_id)
        if user is None:
            return {"id": user_id, "is_bot": False, "first_name": fallback_name or str(user_id)}
        return user.to_dict()

    def member_status(self, chat_id: int, user_id: int) -> str:
        with self.lock:
            return self.status.get((chat_id, user_id), "member")

    def bot_is_admin(self, chat_id: int) -> bool:
        return self.member_status(chat_id, self.bot.id) in ("administrator", "creator")

    # ---- messages --------------------------------------------------------------------------
    def base_message(self, chat: Chat, sender: User) -> JSON:
        with self.lock:
            message_id = self._next_message_id.get(chat.id, 1)
            self._next_message_id[chat.id] = message_id + 1
        return {
            "message_id": message_id,
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": self.now(),
        }

    def store(self, data: JSON, *, from_bot: bool, **extra: Any) -> StoredMessage:
        stored = StoredMessage(data=data, from_bot=from_bot, **extra)
        with self.lock:
            self.messages[(data["chat"]["id"], data["message_id"])] = stored
        return stored

    def find(self, chat_id: int, message_id: int | None) -> StoredMessage | None:
        """A message that exists (not deleted), or None."""
        with self.lock:
            stored = self.messages.get((chat_id, message_id or 0))
        return stored if stored and not stored.deleted else None

    def register_file(self, file: UploadedFile) -> UploadedFile:
        with self.lock:
            self.files[file.file_id] = file
        return file

    def view(self, stored: StoredMessage) -> BotMessage:
        with self.lock:
            return BotMessage(
                raw=copy.deepcopy(stored.data),
                edits=list(stored.edits),
                deleted=stored.deleted,
                file=stored.file,
                markup=copy.deepcopy(stored.markup),
            )

    # ---- updates ---------------------------------------------------------------------------
    def next_update_id(self) -> int:
        """The update_id the next queued update will carry."""
        with self.lock:
            return self._next_update_id

    def enqueue(self, kind: str, payload: JSON) -> JSON:
        with self.lock:
            update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
            self._next_update_id += 1
            self.updates.append(update)
        self.on_change()
        return update

    def take_updates(self, offset: int | None, limit: int, allowed: list[str] | None) -> list[JSON]:
        """getUpdates semantics: confirm (drop) ids < offset, filter by allowed_updates."""
        with self.lock:
            if allowed is not None:
                self.allowed_updates = list(allowed) or None
            if offset is not None and offset < 0:
                self.updates = self.updates[offset:]
            elif offset is not None:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.updates = [u for u in self.updates if self._allowed(u)]
            return copy.deepcopy(self.updates[: max(1, min(limit, 100))])

    def _allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self.allowed_updates is None:
            return kind not in HIDDEN_BY_DEFAULT
        return kind in self.allowed_updates
