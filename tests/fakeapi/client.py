"""The user side of the fake: create users and chats, act as them, inspect what the bot did.

All actions are plain (synchronous) methods that only enqueue updates, so they can be called
from any thread; the long-polling ``getUpdates`` wakes up as soon as one is queued.
"""

from __future__ import annotations

import copy
import mimetypes

from .htmltext import detect_entities
from .model import JSON, ApiRequest, BotMessage, CallbackAnswer, Chat, UploadedFile, User
from .model import member_dict as member
from .state import State

ChatRef = Chat | int
UserRef = User | int


class FakeTelegram:
    def __init__(self, state: State) -> None:
        self.state = state

    # ---- people and places ------------------------------------------------------------------
    @property
    def bot_user(self) -> User:
        return self.state.bot

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
        *,
        started: bool = True,
    ) -> User:
        """Register a user. ``started=False``: the bot may not DM them (403) until they write."""
        user = self.state.add_user(User(id, first_name, username, last_name, language_code))
        with self.state.lock:
            (self.state.not_started.add if not started else self.state.not_started.discard)(id)
        return user

    def group(
        self, chat_id: int, title: str, *, username: str | None = None, is_forum: bool = False
    ) -> Chat:
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return self.state.add_chat(Chat(chat_id, kind, title, username, is_forum=is_forum))

    def private(self, user: UserRef) -> Chat:
        return self.state.private_chat(self._user(user))

    def set_member_status(self, chat: ChatRef, user: UserRef, status: str) -> None:
        """status: creator | administrator | member | restricted | left | kicked."""
        with self.state.lock:
            self.state.status[(self._chat(chat).id, self._user(user).id)] = status

    def block_bot(self, user: UserRef, blocked: bool = True) -> None:
        with self.state.lock:
            uid = self._user(user).id
            (self.state.blocked.add if blocked else self.state.blocked.discard)(uid)

    def kick_bot(self, chat: ChatRef, *, by: UserRef | None = None) -> None:
        """Remove the bot from a group: later calls there get 403. With ``by``, also queue the
        ``my_chat_member`` update Telegram sends."""
        target = self._chat(chat)
        old = self.state.member_status(target.id, self.bot_user.id)
        with self.state.lock:
            self.state.status[(target.id, self.bot_user.id)] = "kicked"
        if by is not None:
            self._member_update("my_chat_member", target, by, self.bot_user, old, "kicked")

    def add_bot(self, chat: ChatRef, *, by: UserRef) -> None:
        """Add the bot (back) to a group: it may send there again; queues ``my_chat_member``."""
        target = self._chat(chat)
        old = self.state.member_status(target.id, self.bot_user.id)
        with self.state.lock:
            self.state.status[(target.id, self.bot_user.id)] = "member"
        self._member_update("my_chat_member", target, by, self.bot_user, old, "member")

    # ---- acting as users --------------------------------------------------------------------
    def send_message(
        self,
        chat: ChatRef,
        from_user: UserRef,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
        photo: bytes | None = None,
        document: tuple[str, bytes] | None = None,
        voice: bytes | None = None,
        caption: str | None = None,
        forward_origin: JSON | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """Queue a ``message`` update and return the Message dict.

        bot_command / mention / url / hashtag entities are detected unless ``entities`` is
        given. ``document`` is (filename, bytes); it, a ``photo`` and a ``voice`` (bytes) the
        bot can fetch via getFile and the file URL.
        ``forward_origin`` is a MessageOrigin dict, e.g. {"type": "channel", "chat": {...},
        "message_id": 5} ("date" is filled in).
        """
        target, sender = self._chat(chat), self._user(from_user)
        data = self.state.base_message(target, sender)
        if text is not None:
            data["text"] = text
            found = detect_entities(text) if entities is None else entities
            if found:
                data["entities"] = found
        if caption is not None:
            data["caption"] = caption
            if found := detect_entities(caption):
                data["caption_entities"] = found
        if photo is not None:
            file = self._file("photo", "photo.jpg", photo)
            info = {"file_id": file.file_id, "file_unique_id": "u" + file.file_id}
            data["photo"] = [{**info, "width": 640, "height": 480, "file_size": len(photo)}]
        if document is not None:
            file = self._file("doc", *document)
            data["document"] = {
                "file_id": file.file_id,
                "file_unique_id": "u" + file.file_id,
                "file_name": file.filename,
                "mime_type": file.mime_type,
                "file_size": len(document[1]),
            }
        if voice is not None:
            file = self._file("voice", "voice.ogg", voice)
            data["voice"] = {
                "file_id": file.file_id,
                "file_unique_id": "u" + file.file_id,
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": len(voice),
            }
        if forward_origin is not None:
            data["forward_origin"] = {"date": self.state.now() - 60, **forward_origin}
        if message_thread_id is not None:
            data["message_thread_id"] = message_thread_id
        if reply_to is not None:
            replied = self.state.find(target.id, reply_to)
            if replied is None:
                raise AssertionError(f"no message {reply_to} in chat {target.id} to reply to")
            original = copy.deepcopy(replied.data)
            original.pop("reply_to_message", None)
            data["reply_to_message"] = original
        self.state.store(data, from_bot=False)
        if self._visible(target, data):
            self.state.enqueue("message", data)
        return copy.deepcopy(data)

    def reply(self, chat: ChatRef, from_user: UserRef, to_message_id: int, text: str) -> JSON:
        """Answer a message (e.g. the bot's ForceReply prompt)."""
        return self.send_message(chat, from_user, text, reply_to=to_message_id)

    def edit_message(self, chat: ChatRef, from_user: UserRef, message_id: int, text: str) -> JSON:
        """The user edits their own message: queues an ``edited_message`` update.

        ``text`` replaces the message's text, or its caption when it is a photo or document.
        """
        stored = self.state.find(self._chat(chat).id, message_id)
        if (
            stored is None
            or stored.from_bot
            or stored.data["from"]["id"] != self._user(from_user).id
        ):
            raise AssertionError(f"user cannot edit message {message_id}")
        field, entities = ("text", "entities")
        if "photo" in stored.data or "document" in stored.data:
            field, entities = ("caption", "caption_entities")
        with self.state.lock:
            stored.data.update({field: text, "edit_date": self.state.now()})
            stored.data.pop(entities, None)
            if found := detect_entities(text):
                stored.data[entities] = found
            data = copy.deepcopy(stored.data)
        if not self._out(self._chat(chat)):
            self.state.enqueue("edited_message", data)
        return data

    def press(
        self,
        chat: ChatRef,
        from_user: UserRef,
        message_id: int,
        callback_data: str,
        *,
        forged: bool = False,
    ) -> str:
        """Press an inline button of a bot message; returns the new callback query id.

        AssertionError if the message is gone or has no button with that callback_data, unless
        ``forged``: then the query carries any data, as from a modified client.
        """
        target = self._chat(chat)
        stored = self.state.find(target.id, message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {target.id}")
        view = self.state.view(stored)
        if not forged and callback_data not in view.callback_data:
            raise AssertionError(f"{view} has no button with data {callback_data!r}")
        query_id = self.state.new_id("cbq")
        query = {
            "id": query_id,
            "from": self._user(from_user).to_dict(),
            "message": view.raw,
            "chat_instance": f"ci{abs(target.id)}",
            "data": callback_data,
        }
        with self.state.lock:
            self.state.callbacks[query_id] = query
        self.state.enqueue("callback_query", query)
        return query_id

    def press_button(self, chat: ChatRef, from_user: UserRef, message_id: int, label: str) -> str:
        """Press the inline button labelled ``label`` (exact, else substring)."""
        stored = self.state.find(self._chat(chat).id, message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {self._chat(chat).id}")
        data = self.state.view(stored).button(label)["callback_data"]
        return self.press(chat, from_user, message_id, data)

    def add_member(self, chat: ChatRef, user: UserRef, *, by: UserRef | None = None) -> JSON:
        """User joins (``by`` None) or is added: service message + chat_member update."""
        target, joined = self._chat(chat), self._user(user)
        old = self.state.member_status(target.id, joined.id)
        with self.state.lock:
            self.state.status[(target.id, joined.id)] = "member"
        actor = self._user(by) if by is not None else joined
        self._member_update("chat_member", target, actor, joined, old, "member")
        data = self.state.base_message(target, actor)
        data["new_chat_members"] = [joined.to_dict()]
        self.state.store(data, from_bot=False)
        if not self._out(target):
            self.state.enqueue("message", data)
        return data

    def remove_member(self, chat: ChatRef, user: UserRef, *, by: UserRef | None = None) -> JSON:
        """User leaves (``by`` None) or is removed: service message + chat_member update."""
        target, gone = self._chat(chat), self._user(user)
        old = self.state.member_status(target.id, gone.id)
        status = "left" if by is None else "kicked"
        with self.state.lock:
            self.state.status[(target.id, gone.id)] = status
        actor = self._user(by) if by is not None else gone
        self._member_update("chat_member", target, actor, gone, old, status)
        data = self.state.base_message(target, actor)
        data["left_chat_member"] = gone.to_dict()
        self.state.store(data, from_bot=False)
        if not self._out(target):
            self.state.enqueue("message", data)
        return data

    # ---- internals --------------------------------------------------------------------------
    def _member_update(
        self, kind: str, chat: Chat, actor: UserRef, user: User, old: str, new: str
    ) -> None:
        if kind == "chat_member" and self._out(chat):
            return  # about someone else, in a group the bot is out of
        payload = {
            "chat": chat.to_dict(),
            "from": self._user(actor).to_dict(),
            "date": self.state.now(),
            "old_chat_member": member(user, old),
            "new_chat_member": member(user, new),
        }
        self.state.enqueue(kind, payload)

    def _out(self, chat: Chat) -> bool:
        """Whether the bot left or was removed from the group: Telegram sends it nothing of
        the group any more (but its own ``my_chat_member``)."""
        status = self.state.member_status(chat.id, self.bot_user.id)
        return chat.type != "private" and status in ("left", "kicked")

    def _visible(self, chat: Chat, data: JSON) -> bool:
        """Privacy mode: in groups a non-admin bot sees only commands, replies to it, mentions.
        Nothing of a group the bot is out of."""
        if self._out(chat):
            return False
        if not self.state.privacy_mode or chat.type == "private":
            return True
        if self.state.bot_is_admin(chat.id):
            return True
        text = str(data.get("text") or data.get("caption") or "")
        name = f"@{self.bot_user.username}"
        if text.startswith("/") and ("@" not in text.split()[0] or text.split()[0].endswith(name)):
            return True
        reply = data.get("reply_to_message") or {}
        return (reply.get("from") or {}).get("id") == self.bot_user.id or name in text

    def _file(self, prefix: str, filename: str, content: bytes) -> UploadedFile:
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        file = UploadedFile(self.state.new_id(f"{prefix}-"), filename, content, mime)
        return self.state.register_file(file)

    def _chat(self, chat: ChatRef) -> Chat:
        return chat if isinstance(chat, Chat) else self.state.chat(chat)

    def _user(self, user: UserRef) -> User:
        if isinstance(user, User):
            return user
        with self.state.lock:
            if user == self.state.bot.id:
                return self.state.bot
            if user not in self.state.users:
                raise AssertionError(f"unknown user {user}; create it with server.user(...)")
            return self.state.users[user]


__all__ = ["ApiRequest", "BotMessage", "CallbackAnswer", "FakeTelegram"]
