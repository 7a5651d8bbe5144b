"""Bot API methods about the bot itself and chats: getMe, getChat*, commands, webhook, files."""

from __future__ import annotations

import copy

from .methods_messages import writable_chat
from .model import JSON, bad_request, member_dict
from .state import State
from .validate import Params, check_commands, check_language, scope_key


def get_me(state: State, p: Params) -> JSON:
    return {
        **state.bot.to_dict(),
        "can_join_groups": True,
        "can_read_all_group_messages": not state.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def get_chat(state: State, p: Params) -> JSON:
    chat = writable_chat(state, p)
    gifts = "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
    return {
        **chat.to_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts.split(), False),
    }


def get_chat_member(state: State, p: Params) -> JSON:
    chat = writable_chat(state, p)
    user_id = p.int("user_id", required=True) or 0
    user = state.bot if user_id == state.bot.id else state.users.get(user_id)
    if user is None:
        raise bad_request("PARTICIPANT_ID_INVALID")
    return member_dict(user, state.member_status(chat.id, user_id))


def leave_chat(state: State, p: Params) -> bool:
    chat = writable_chat(state, p)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    with state.lock:
        state.status[(chat.id, state.bot.id)] = "left"
    return True


def get_file(state: State, p: Params) -> JSON:
    file = state.files.get(p.text("file_id") or "")
    if file is None or file.content is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": file.file_id,
        "file_unique_id": "u" + file.file_id,
        "file_size": len(file.content),
        "file_path": f"files/{file.file_id}/{file.filename or 'file'}",
    }


def set_my_commands(state: State, p: Params) -> bool:
    commands = check_commands(p.obj("commands"))
    key = (scope_key(p.obj("scope")), check_language(p.text("language_code")))
    with state.lock:
        state.commands[key] = copy.deepcopy(commands)
    return True


def get_my_commands(state: State, p: Params) -> list[JSON]:
    key = (scope_key(p.obj("scope")), check_language(p.text("language_code")))
    with state.lock:
        return copy.deepcopy(state.commands.get(key, []))


def delete_my_commands(state: State, p: Params) -> bool:
    key = (scope_key(p.obj("scope")), check_language(p.text("language_code")))
    with state.lock:
        state.commands.pop(key, None)
    return True


def set_webhook(state: State, p: Params) -> bool:
    url = p.text("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    with state.lock:
        state.webhook = {"url": url, **{k: v for k, v in p.data.items() if k != "url"}}
        if p.flag("drop_pending_updates"):
            state.updates.clear()
    return True


def delete_webhook(state: State, p: Params) -> bool:
    with state.lock:
        state.webhook = {"url": ""}
        if p.flag("drop_pending_updates"):
            state.updates.clear()
    return True


def get_webhook_info(state: State, p: Params) -> JSON:
    with state.lock:
        info: JSON = {
            "url": state.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(state.updates),
        }
        if state.allowed_updates is not None:
            info["allowed_updates"] = list(state.allowed_updates)
    return info
