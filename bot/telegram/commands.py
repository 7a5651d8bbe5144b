"""Group commands: /done /draft /update /review /status /list /plan /lang /help."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.lifecycle import LIVE_STATES
from bot.domain.messages import N_
from bot.domain.obligations import REVIEW_ID
from bot.i18n import normalize_language
from bot.render.card import card
from bot.service.languages import set_language
from bot.telegram.addressing import CaptionCommand
from bot.telegram.common import message, say, use_case
from bot.telegram.html import markup, to_html
from bot.telegram.overview import incident_list, plan_summary
from bot.telegram.runtime import Context, actor, chat_key, runtime

MAX_STATS_DAYS = 36500  # a century: any longer span is a typing mistake (and overflows dates)


class Usage(DomainError):
    """A command written the wrong way; the message shows the right way."""

    key = N_("error.usage")


def _args(context: Context, least: int, usage: str) -> list[str]:
    args = list(context.args or [])
    if len(args) < least:
        raise Usage(usage=usage)
    return args


async def _incident(update: Update, context: Context, number: str, usage: str) -> Incident:
    if not number.lstrip("#").isdigit():
        raise Usage(usage=usage)
    return await runtime(context).service.find(chat_key(update), int(number.lstrip("#")))


def _text(update: Update, skip: int) -> str:
    """The command's text after its first ``skip`` words, with line breaks kept."""
    msg = update.effective_message
    raw = (msg.text or msg.caption or "") if msg else ""
    parts = raw.split(maxsplit=skip + 1)
    return parts[skip + 1] if len(parts) > skip + 1 else ""


@use_case
async def done(update: Update, context: Context) -> None:
    """/done N obligation."""
    usage = "/done N obligation"
    number, obligation = _args(context, 2, usage)[:2]
    incident = await _incident(update, context, number, usage)
    await runtime(context).service.done(incident.id, actor(update), obligation)


@use_case
async def draft(update: Update, context: Context) -> None:
    """/draft N obligation text — content for approval (e.g. the release 通稿)."""
    usage = "/draft N obligation text"
    number, obligation = _args(context, 3, usage)[:2]
    incident = await _incident(update, context, number, usage)
    await runtime(context).service.submit(incident.id, actor(update), obligation, _text(update, 2))


@use_case
async def review(update: Update, context: Context) -> None:
    """/review N text — the written review (总结评估), for the approvers."""
    usage = "/review N text"
    number = _args(context, 2, usage)[0]
    incident = await _incident(update, context, number, usage)
    await runtime(context).service.submit(incident.id, actor(update), REVIEW_ID, _text(update, 1))


@use_case
async def review_document(update: Update, context: Context) -> None:
    """A document captioned /review N [text]: the written review as a file."""
    msg = update.effective_message
    assert msg is not None and msg.document is not None
    usage = "/review N text"
    words = (msg.caption or "").split(maxsplit=2)
    if len(words) < 2:
        raise Usage(usage=usage)
    incident = await _incident(update, context, words[1], usage)
    note = words[2] if len(words) > 2 else ""
    name = msg.document.file_name or msg.document.file_id
    text = f"{note}\n📄 {name} (file_id: {msg.document.file_id})".strip()
    await runtime(context).service.submit(incident.id, actor(update), REVIEW_ID, text)


@use_case
async def update_(update: Update, context: Context) -> None:
    """/update N text — a progress report (续报)."""
    usage = "/update N text"
    number = _args(context, 2, usage)[0]
    incident = await _incident(update, context, number, usage)
    await runtime(context).service.update(incident.id, actor(update), _text(update, 1))


@use_case
async def status(update: Update, context: Context) -> None:
    """/status N — the card again."""
    number = _args(context, 1, "/status N")[0]
    incident = await _incident(update, context, number, "/status N")
    rt = runtime(context)
    t = await rt.translator(chat_key(update))
    plan = await rt.service.plan_for(incident)
    doc = card(incident, plan, t, rt.service.clock.now(), [])
    msg = update.effective_message
    assert msg is not None
    for index, text in enumerate(parts := to_html(doc, plan.people)):
        last = index == len(parts) - 1
        await msg.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup(doc) if last else None
        )


@use_case
async def export(update: Update, context: Context) -> None:
    """/export N — the written report as a Word file, and its timeline chart."""
    from bot.export.command import render_report  # the export stack loads only when asked

    number = _args(context, 1, "/export N")[0]
    incident = await _incident(update, context, number, "/export N")
    rt = runtime(context)
    lang = await rt.lang(chat_key(update))
    data, chart, _ = await render_report(
        rt.service.store, rt.service.plans, incident.number, "docx", lang, rt.service.clock.now()
    )
    msg = update.effective_message
    assert msg is not None
    t = await rt.translator(chat_key(update))
    name = f"yuqing-{incident.number}.docx"
    await msg.reply_document(
        InputFile(data, filename=name), caption=t("export.caption", number=incident.number)
    )
    if chart is not None:
        await msg.reply_photo(InputFile(chart, filename=f"yuqing-{incident.number}.png"))


@use_case
async def stats(update: Update, context: Context) -> None:
    """/stats [days] — this group's figures (drills excluded), with a chart."""
    from bot.export.chart import stats_chart
    from bot.stats import compute, render

    args = list(context.args or [])
    if args and not (args[0].isdigit() and 0 < int(args[0]) <= MAX_STATS_DAYS):
        raise Usage(usage="/stats [days]")
    rt = runtime(context)
    chat = chat_key(update)
    plan = rt.service.plans.for_chat(chat)
    now = rt.service.clock.now()
    since = now - timedelta(days=int(args[0])) if args else None
    incidents = await rt.service.store.list_incidents(chat=chat, include_drills=False)
    figures = compute(incidents, now, since)
    t = await rt.translator(chat)
    msg = update.effective_message
    assert msg is not None
    await msg.reply_text(escape("\n".join(render(figures, plan, t))), parse_mode=ParseMode.HTML)
    if figures.incidents:
        chart = stats_chart(figures.per_level, figures.on_time, plan, t)
        await msg.reply_photo(InputFile(chart, filename="stats.png"))


@use_case
async def listing(update: Update, context: Context) -> None:
    """/list — open incidents of this group with their next deadline."""
    rt = runtime(context)
    chat = chat_key(update)
    incidents = await rt.service.store.list_incidents(states=LIVE_STATES, chat=chat)
    t = await rt.translator(chat)
    shown = [(incident, await rt.service.plan_for(incident)) for incident in incidents]
    text = incident_list(shown, t, rt.service.clock.now())
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


@use_case
async def show_plan(update: Update, context: Context) -> None:
    """/plan — the plan this group runs."""
    rt = runtime(context)
    chat = chat_key(update)
    plan = rt.service.plans.for_chat(chat)
    assert update.effective_message is not None
    for text in to_html(plan_summary(plan, await rt.translator(chat))):
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


@use_case
async def lang(update: Update, context: Context) -> None:
    """/lang zh|en — the chat's language (anyone holding a role in the chat's plan)."""
    wanted = _args(context, 1, "/lang zh|en")[0]
    if wanted.lower() not in ("zh", "zh_cn", "zh-cn", "cn", "en", "english", "中文"):
        raise Usage(usage="/lang zh|en")
    code = normalize_language("zh_CN" if wanted in ("中文", "cn") else wanted)
    await set_language(runtime(context).service, chat_key(update), actor(update), code)
    await say(update, context, N_("lang.set"))


async def help_(update: Update, context: Context) -> None:
    """/help and /start — what the bot does and its commands."""
    rt = runtime(context)
    t = await rt.translator(chat_key(update))
    msg, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert msg is not None and chat is not None
    ids = message(N_("help.ids"), t, chat=chat.id, user=user.id if user else "—")
    bound = chat_key(update) in rt.service.plans.chats()
    extra = "" if bound else "\n" + message(N_("help.unbound"), t)
    text = message(N_("help.text"), t) + "\n\n" + ids + extra
    await msg.reply_text(text, parse_mode=ParseMode.HTML)


COMMANDS = {
    "done": done,
    "draft": draft,
    "review": review,
    "update": update_,
    "status": status,
    "list": listing,
    "export": export,
    "stats": stats,
    "plan": show_plan,
    "lang": lang,
    "help": help_,
    "start": help_,
}


def handlers() -> list[CommandHandler[Context, None] | MessageHandler[Context, None]]:
    """The command handlers, and the review sent as a captioned document."""
    captioned = filters.Document.ALL & CaptionCommand("review")
    return [
        *(CommandHandler(name, callback) for name, callback in COMMANDS.items()),
        MessageHandler(captioned, review_document),
    ]
