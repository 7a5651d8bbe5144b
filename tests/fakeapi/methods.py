"""The method table: Bot API method name -> implementation (getUpdates is in the server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import methods_chats as chats
from . import methods_messages as messages
from .model import ApiError
from .state import State
from .validate import Params

Method = Callable[[State, Params], Any]

METHODS: dict[str, Method] = {
    "getMe": chats.get_me,
    "sendMessage": messages.send_message,
    "sendPhoto": messages.send_photo,
    "sendDocument": messages.send_document,
    "editMessageText": messages.edit_message_text,
    "editMessageReplyMarkup": messages.edit_message_reply_markup,
    "deleteMessage": messages.delete_message,
    "answerCallbackQuery": messages.answer_callback_query,
    "sendChatAction": messages.send_chat_action,
    "getChat": chats.get_chat,
    "getChatMember": chats.get_chat_member,
    "leaveChat": chats.leave_chat,
    "getFile": chats.get_file,
    "setMyCommands": chats.set_my_commands,
    "getMyCommands": chats.get_my_commands,
    "deleteMyCommands": chats.delete_my_commands,
    "setWebhook": chats.set_webhook,
    "deleteWebhook": chats.delete_webhook,
    "getWebhookInfo": chats.get_webhook_info,
}
# Telegram matches method names case-insensitively.
CANONICAL: dict[str, str] = {name.lower(): name for name in [*METHODS, "getUpdates"]}
__all__ = ["CANONICAL", "METHODS", "ApiError", "Params"]
