"""The composition root: settings -> plans, store, service, delivery, clock, Application."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from functools import partial
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.domain.errors import StoreUnavailable
from bot.domain.messages import N_
from bot.i18n import Translator
from bot.leadership import Leadership
from bot.serve import Face, Life, Ops, face_problems, prove_writable
from bot.service.clock import Clock, SystemClock
from bot.service.flood import Gate
from bot.service.plans import PlanBook
from bot.service.running import Running
from bot.service.seen import AlreadyProcessed, Window
from bot.service.transport import Capabilities
from bot.settings import Settings
from bot.store import riders
from bot.store.opening import open_store, redact
from bot.telegram import buttons, commands, guard, intake, members, presence, report
from bot.telegram.common import not_saved, say
from bot.telegram.limiter import GateLimiter
from bot.telegram.request import AiohttpRequest
from bot.telegram.runtime import Context, install, runtime
from bot.telegram.transport import CAPABILITIES, NAME, TelegramTransport
from bot.telegram.updates import ChatByChat

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
LIFE = "yuqing-life"  # bot_data: the store, service and loops (bot.serve.Life)
FACES = "yuqing-faces"  # bot_data: the other messengers started with it
UPDATE_WINDOW = "yuqing-updates"  # bot_data: the Window of processed update ids
# Asked for explicitly: chat_member is not sent unless asked, my_chat_member says the bot left;
# edited messages run nothing, but an edited command is told so (see _once).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.CHAT_MEMBER,
]

COMMAND_KEYS = {
    "report": N_("command.report"),
    "done": N_("command.done"),
    "draft": N_("command.draft"),
    "update": N_("command.update"),
    "review": N_("command.review"),
    "status": N_("command.status"),
    "list": N_("command.list"),
    "export": N_("command.export"),
    "stats": N_("command.stats"),
    "plan": N_("command.plan"),
    "lang": N_("command.lang"),
    "help": N_("command.help"),
}


async def check_token(settings: Settings) -> None:
    """Ask Telegram who the bot is: InvalidToken or NetworkError before anything starts."""
    assert settings.telegram_token is not None
    token = settings.telegram_token.get_secret_value()
    request = AiohttpRequest(pool=1)  # for getMe only; as the updates' too, so PTB builds no other
    async with Bot(
        token, base_url=settings.telegram_api_url, request=request, get_updates_request=request
    ):
        pass  # initialising the bot calls getMe


async def check_store(settings: Settings) -> None:
    """Open the database and write to it: StoreError (locked, read-only, full) before starting."""
    async with await open_store(settings.database) as store:
        await prove_writable(store, SystemClock())


def build(
    settings: Settings,
    plans: PlanBook,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    others: Sequence[Face] = (),
    capabilities: Capabilities = CAPABILITIES,
) -> App:
    """The Application for these settings and plans; the store opens when it starts.

    ``request`` replaces the HTTP transport, aiohttp (bot/telegram/request.py; tests run
    handlers offline with a stub);
    ``others`` are the other messengers, started on the same service once it runs;
    ``capabilities`` are Telegram's, whose flood limits the bot keeps (a test server may have
    none).
    """
    # Time periods as timedelta, PTB v23's behaviour (the transport reads both); PTB 22 warns
    # on every RetryAfter otherwise.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    assert settings.telegram_token is not None
    builder = ApplicationBuilder()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:  # a long poll holds its own connection, as PTB's default has it
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(pool=1))
    application: App = (
        builder.token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_api_url.replace("/bot", "/file/bot"))
        .rate_limiter(GateLimiter(Gate(capabilities)))
        .concurrent_updates(ChatByChat())
        .post_init(
            partial(
                _start, settings=settings, plans=plans, clock=clock or SystemClock(), others=others
            )
        )
        .post_shutdown(_stop)
        .build()
    )
    application.add_handler(TypeHandler(Update, _once), group=-2)
    application.add_handler(members.gatekeeper(), group=-1)
    handlers = [*report.handlers(), *buttons.handlers(), *commands.handlers()]
    for handler in [*handlers, *members.handlers(), *presence.handlers()]:
        application.add_handler(handler)
    application.add_error_handler(_on_error)
    return application


async def _start(
    application: App, settings: Settings, plans: PlanBook, clock: Clock, others: Sequence[Face]
) -> None:
    """Open the store, register commands, lead or follow, and catch up on missed reminders.

    Polling is the leader's (bot.leadership): a follower waits here until it takes the lead,
    then run_polling starts polling; a webhook is served by every process.
    """
    limiter = application.bot.rate_limiter
    gate = limiter.gate if isinstance(limiter, GateLimiter) else None
    telegram = TelegramTransport(application.bot, gate)
    transports = [telegram, *(face.transport for face in others)]
    ops = Ops(settings.http_listen, settings.http_port) if settings.http_port else None
    life = await Life.open(
        settings.database, plans, clock, transports, settings.shelf, settings.keep_sent, ops
    )
    application.bot_data[LIFE] = life
    application.bot_data[FACES] = list(others)
    if isinstance(application.update_processor, ChatByChat):
        application.update_processor.store = life.running.service.store
    if life.meter is not None and isinstance(limiter, GateLimiter):
        limiter.on_429 = partial(life.meter.rate_limited, NAME)
    install(application, life.running)
    await _register_commands(application)
    leadership = await life.lead(others, guard.halt_on_death(application))
    polls = not settings.webhook_url
    if polls:
        leadership.on_lead.append(partial(_poll, application))
        leadership.on_follow.append(partial(_stop_polling, application))
    problem = partial(_polling_problem, application, life.running if polls else None)
    await life.serve_ops({NAME: problem, **face_problems(others, life.running)})
    await life.running.changed()
    shown = redact(settings.database)
    log.info("yuqing-bot started: %d plan(s), database %s", len(list(plans)), shown)
    if polls and not life.running.leading:
        await _wait_for_lead(life, leadership)


async def _wait_for_lead(life: Life, leadership: Leadership) -> None:
    """Until this process leads (run_polling then polls); a stop signal ends it sooner."""
    waiting = asyncio.create_task(leadership.leading.wait())
    watched = [waiting, *([life.guard] if life.guard is not None else [])]
    await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()


async def _poll(application: App) -> None:
    """Poll again on taking the lead back (the first time, run_polling starts polling)."""
    updater = application.updater
    if updater is None or updater.running or not application.running:
        return

    def failed(exc: TelegramError) -> None:
        application.create_task(application.process_error(error=exc, update=None))

    await updater.start_polling(allowed_updates=ALLOWED_UPDATES, error_callback=failed)


async def _stop_polling(application: App) -> None:
    """Stop polling on losing the lead: the new leader polls."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()


def _polling_problem(application: App, follower: Running | None) -> str | None:
    """Why Telegram's updates are not being received, if they are not (and should be)."""
    if follower is not None and not follower.leading:
        return None  # polling is the leader's (a polling follower waits before it runs)
    if not application.running:
        return "not running"
    if application.updater is not None and not application.updater.running:
        return "not receiving updates"
    return None


async def _stop(application: App) -> None:
    """Stop leading (the loops, the other messengers), close them and the store."""
    life = application.bot_data.pop(LIFE, None)
    if isinstance(application.update_processor, ChatByChat):
        application.update_processor.store = None
    if isinstance(life, Life):
        await life.close()
    for face in reversed(application.bot_data.pop(FACES, [])):
        try:
            await face.close()
        except Exception:  # closing anyway
            log.exception("could not close a messenger cleanly")


async def _register_commands(application: App) -> None:
    """The command menu in both languages (Chinese by default)."""
    scope = BotCommandScopeAllGroupChats()
    for lang, code in (("zh_CN", None), ("en", "en"), ("zh_CN", "zh")):
        t = Translator(lang)
        menu = [BotCommand(name, t(key)) for name, key in COMMAND_KEYS.items()]
        await application.bot.set_my_commands(menu, scope=scope, language_code=code)


async def _once(update: Update, context: Context) -> None:
    """Process each update once, even when Telegram delivers it again; edits run nothing."""
    rt = runtime(context)
    window = context.application.bot_data.setdefault(UPDATE_WINDOW, Window())
    assert isinstance(window, Window)
    if filters.UpdateType.EDITED.check_update(update):
        try:
            await intake.answer_edit(update, context, window)
        except Exception:  # whatever happened, the edit must not reach the command handlers
            log.exception("error while answering edited message (update %s)", update.update_id)
        raise ApplicationHandlerStop
    key, now, store = f"telegram:{update.update_id}", rt.service.clock.now(), rt.service.store
    try:  # in ChatByChat's scope, marked with the update's first transaction; else at once
        if riders.scoped():
            fresh = await window.expect(store, key, now)
        else:
            fresh = await window.claim(store, key, now)
    except StoreUnavailable as exc:
        await not_saved(update, context, exc)
        raise ApplicationHandlerStop from exc
    if not fresh:
        log.info("update %s already processed; skipped", update.update_id)
        raise ApplicationHandlerStop
    rt.meter.update("telegram")


async def _on_error(update: object, context: Context) -> None:
    """Log unexpected errors with their context and tell the chat something went wrong."""
    if guard.polling_conflict(context.application, context.error):
        return
    if isinstance(context.error, AlreadyProcessed):  # another process did it meanwhile
        log.info("update %s already processed; rolled back", _number(update))
        return
    if isinstance(context.error, StoreUnavailable):  # expected: one line, not a traceback
        await not_saved(update, context, context.error)
        return
    number = _number(update)
    # the update itself (its text, its sender) only at DEBUG: the log rule of bot.ops.logs
    log.error("error while handling update %s", number, exc_info=context.error)
    log.debug("the update that failed: %r", update)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await say(update, context, N_("error.generic"))
        except Exception:  # the error may be that Telegram is unreachable
            log.exception("could not report the error to the chat")


def _number(update: object) -> int | None:
    """The update's id, for the log."""
    return update.update_id if isinstance(update, Update) else None
