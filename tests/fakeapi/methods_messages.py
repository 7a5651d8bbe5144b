"""Bot API methods that send, edit and delete messages, and answer callback queries.

Each method takes the shared :class:`State` and the request :class:`Params` and returns the
``result`` value, or raises :class:`ApiError`.
"""

from __future__ import annotations

import copy
import mimetypes
from typing import Any

from .model import (
    JSON,
    CallbackAnswer,
    Chat,
    Edit,
    UploadedFile,
    bad_request,
)
from .state import State
from .validate import Params, check_markup, format_text

CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def writable_chat(state: State, p: Params) -> Chat:
    if not p.has("chat_id"):
        raise bad_request("chat_id is empty")
    chat = state.chat(p.raw("chat_id"))
    state.check_writable(chat)
    return chat


def _new_message(state: State, chat: Chat, p: Params) -> JSON:
    data = state.base_message(chat, state.bot)
    reply = p.obj("reply_parameters") or {}
    reply_id = reply.get("message_id") if isinstance(reply, dict) else None
    reply_id = reply_id or p.int("reply_to_message_id")
    if reply_id:
        target = state.find(chat.id, int(reply_id))
        if target is not None:
            original = copy.deepcopy(target.data)
            original.pop("reply_to_message", None)
            data["reply_to_message"] = original
        elif not (
            reply.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply")
        ):
            raise bad_request("message to be replied not found")
    if p.has("message_thread_id"):
        data["message_thread_id"] = p.int("message_thread_id")
    for key in ("link_preview_options",):
        if p.has(key):
            data[key] = p.obj(key)
    return data


def _attach_markup(data: JSON, markup: JSON | None) -> None:
    if markup and "inline_keyboard" in markup:
        data["reply_markup"] = markup
    else:
        data.pop("reply_markup", None)


def send_message(state: State, p: Params) -> JSON:
    chat = writable_chat(state, p)
    text, entities = format_text(state, p.text("text"), p.text("parse_mode"), p.obj("entities"))
    markup = check_markup(p.raw("reply_markup"))
    data = _new_message(state, chat, p)
    data["text"] = text
    if entities:
        data["entities"] = entities
    _attach_markup(data, markup)
    state.store(data, from_bot=True, markup=markup)
    return data


def _send_file(state: State, p: Params, kind: str) -> JSON:
    chat = writable_chat(state, p)
    value = p.raw(kind)
    if value in (None, ""):
        raise bad_request(f"there is no {kind} in the request")
    caption, entities = format_text(
        state, p.text("caption"), p.text("parse_mode"), p.obj("caption_entities"), caption=True
    )
    markup = check_markup(p.raw("reply_markup"))
    data = _new_message(state, chat, p)
    file_id = state.new_id(f"{kind}-")
    if isinstance(value, UploadedFile):  # multipart upload, parsed by the HTTP layer
        file = UploadedFile(file_id, value.filename, value.content, value.mime_type)
    else:
        ref = str(value)
        known = state.files.get(ref)
        file = known or UploadedFile(file_id, None, None, None, reference=ref)
    state.register_file(file)
    info: JSON = {"file_id": file.file_id, "file_unique_id": "u" + file.file_id}
    if file.content is not None:
        info["file_size"] = len(file.content)
    if kind == "photo":
        data["photo"] = [{**info, "width": 320, "height": 240}]
    else:
        name = file.filename or "document"
        mime = file.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        data["document"] = {**info, "file_name": name, "mime_type": mime}
    if caption:
        data["caption"] = caption
        if entities:
            data["caption_entities"] = entities
    _attach_markup(data, markup)
    state.store(data, from_bot=True, markup=markup, file=file)
    return data


def send_photo(state: State, p: Params) -> JSON:
    return _send_file(state, p, "photo")


def send_document(state: State, p: Params) -> JSON:
    return _send_file(state, p, "document")


def _editable(state: State, p: Params) -> tuple[Chat, Any]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the fake API")
    chat = writable_chat(state, p)
    stored = state.find(chat.id, p.int("message_id", required=True))
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _record_edit(state: State, stored: Any, markup: JSON | None) -> JSON:
    data = stored.data
    _attach_markup(data, markup)
    stored.markup = markup
    data["edit_date"] = state.now()
    text = data.get("text", data.get("caption"))
    entities = data.get("entities", data.get("caption_entities", []))
    stored.edits.append(Edit(text, copy.deepcopy(entities), copy.deepcopy(markup)))
    return copy.deepcopy(data)


def edit_message_text(state: State, p: Params) -> JSON:
    _, stored = _editable(state, p)
    text, entities = format_text(state, p.text("text"), p.text("parse_mode"), p.obj("entities"))
    markup = check_markup(p.raw("reply_markup"))
    with state.lock:
        data = stored.data
        if "text" not in data:
            raise bad_request("there is no text in the message to edit")
        inline = markup if markup and "inline_keyboard" in markup else None
        same = (data["text"], data.get("entities", [])) == (text, entities)
        if same and data.get("reply_markup") == inline:
            raise bad_request(NOT_MODIFIED)
        data["text"] = text
        data.pop("entities", None)
        if entities:
            data["entities"] = entities
        return _record_edit(state, stored, inline)


def edit_message_reply_markup(state: State, p: Params) -> JSON:
    _, stored = _editable(state, p)
    markup = check_markup(p.raw("reply_markup"))
    inline = markup if markup and "inline_keyboard" in markup else None
    with state.lock:
        if stored.data.get("reply_markup") == inline:
            raise bad_request(NOT_MODIFIED)
        return _record_edit(state, stored, inline)


def delete_message(state: State, p: Params) -> bool:
    chat = writable_chat(state, p)
    stored = state.find(chat.id, p.int("message_id", required=True))
    if stored is None:
        raise bad_request("message to delete not found")
    if not stored.from_bot and chat.type != "private" and not state.bot_is_admin(chat.id):
        raise bad_request("message can't be deleted")
    with state.lock:
        stored.deleted = True
    return True


def answer_callback_query(state: State, p: Params) -> bool:
    query_id = p.text("callback_query_id") or ""
    text = p.text("text")
    with state.lock:
        query = state.callbacks.pop(query_id, None)
        if query is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if text and len(text) > 200:
            state.callbacks[query_id] = query
            raise bad_request("MESSAGE_TOO_LONG")
        message = query.get("message") or {}
        state.answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=p.flag("show_alert"),
                url=p.text("url"),
                cache_time=p.int("cache_time"),
                data=query.get("data"),
                user_id=query["from"]["id"],
                message_id=message.get("message_id"),
            )
        )
    return True


def send_chat_action(state: State, p: Params) -> bool:
    writable_chat(state, p)
    if p.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True
