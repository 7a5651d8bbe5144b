"""Reporting from the group: /report with text, a photo caption, or a reply to a post.

Telegram's parts of a report live here: the attachments (photos, documents, links, the post
replied to) and the ForceReply prompt asking for a description; the service opens it.
"""

from __future__ import annotations

from telegram import ForceReply, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.domain.incident import Attachment
from bot.domain.messages import N_
from bot.service.commands import Report, parse
from bot.telegram.addressing import ANY_COMMAND, CaptionCommand, unaddressed
from bot.telegram.common import message, say, use_case
from bot.telegram.replies import dispatch
from bot.telegram.runtime import Context, actor, chat_key, runtime

PROMPTS = "telegram_report_prompts"  # kv: "<chat>:<user>" -> message id of our ForceReply prompt
ANSWERED = "telegram_report_prompts_answered"  # kv: "<chat>:<user>" -> the last prompt answered


def _links(source: Message) -> list[Attachment]:
    """URLs in a message, from plain links and text links, once each."""
    found: dict[str, None] = {}
    entities = source.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK])
    entities.update(source.parse_caption_entities([MessageEntity.URL, MessageEntity.TEXT_LINK]))
    for entity, text in entities.items():
        found.setdefault(entity.url or text, None)
    return [Attachment("link", url) for url in found]


def attachments(msg: Message, with_reply: bool = True) -> list[Attachment]:
    """What a report carries: its photo, document or voice, the replied-to post, every link."""
    found: list[Attachment] = []
    if msg.photo:
        found.append(Attachment("photo", msg.photo[-1].file_id))
    if msg.document:
        found.append(Attachment("document", msg.document.file_id, msg.document.file_name))
    if msg.voice:
        found.append(Attachment("voice", msg.voice.file_id))
    found.extend(_links(msg))
    post = msg.reply_to_message if with_reply else None
    if post is not None:
        text = post.text or post.caption
        if text:
            found.append(Attachment("text", text))
        if post.photo:
            found.append(Attachment("photo", post.photo[-1].file_id))
        if post.document:
            found.append(Attachment("document", post.document.file_id, post.document.file_name))
        if post.voice:
            found.append(Attachment("voice", post.voice.file_id))
        found.extend(_links(post))
    return found


@use_case
async def report(update: Update, context: Context) -> None:
    """Open an incident, or ask for a description with a selective ForceReply."""
    msg = update.effective_message
    assert msg is not None and update.effective_user is not None
    rt = runtime(context)
    chat = chat_key(update)
    rt.service.plans.for_chat(chat)  # UnknownChat before anything else
    parsed = parse(unaddressed(msg))
    text = parsed.text if isinstance(parsed, Report) else ""
    reply = msg.reply_to_message
    if not text and reply is not None:
        text = reply.text or reply.caption or ""
    if not text:
        t = await rt.translator(chat)
        prompt = await msg.reply_text(
            message(N_("report.ask_description"), t),
            parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(
                selective=True, input_field_placeholder=t("report.placeholder")
            ),
        )
        async with rt.service.store.transaction() as tx:
            await tx.kv_set(PROMPTS, f"{chat}:{update.effective_user.id}", prompt.message_id)
        return
    await dispatch(context)(Report(text, tuple(attachments(msg))), actor(update), chat)


@use_case
async def described(update: Update, context: Context) -> None:
    """A reply to our ForceReply prompt: the description of a report."""
    msg = update.effective_message
    assert msg is not None and msg.reply_to_message is not None
    user = update.effective_user
    assert user is not None
    rt = runtime(context)
    chat = chat_key(update)
    key = f"{chat}:{user.id}"
    if await rt.service.store.kv_get(PROMPTS, key) != msg.reply_to_message.message_id:
        return  # a reply to something else, or to another person's prompt
    text = (msg.text or msg.caption or "").strip()
    if not text:
        await say(update, context, N_("error.empty_description"))
        return
    async with rt.service.store.transaction() as tx:
        await tx.kv_delete(PROMPTS, key)
        await tx.kv_set(ANSWERED, key, msg.reply_to_message.message_id)
    found = tuple(attachments(msg, with_reply=False))  # the replied-to one is our own prompt
    await dispatch(context)(Report(text, found), actor(update), chat)


async def is_prompt_reply(update: Update, context: Context) -> bool:
    """Whether the message replies to this person's report prompt (waiting or answered)."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or msg.reply_to_message is None or user is None:
        return False
    key = f"{chat_key(update)}:{user.id}"
    store = runtime(context).service.store
    prompt = msg.reply_to_message.message_id
    return prompt in (await store.kv_get(PROMPTS, key), await store.kv_get(ANSWERED, key))


def handlers() -> list[CommandHandler[Context, None] | MessageHandler[Context, None]]:
    """The report handlers, for groups."""
    groups = filters.ChatType.GROUPS
    return [
        CommandHandler("report", report, filters=groups),
        MessageHandler(groups & CaptionCommand("report"), report),
        MessageHandler(
            groups & filters.REPLY & (filters.TEXT | filters.CAPTION) & ~ANY_COMMAND, described
        ),
    ]
