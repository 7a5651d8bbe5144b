"""`yuqing-bot run`: checks that fail in one line, then Telegram, WeCom or both in one process."""

from __future__ import annotations

import asyncio
import errno
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot.addresses import listen_error
from bot.domain.messages import N_
from bot.i18n import Translator
from bot.settings import Settings

# what to say when a server cannot listen: the port is taken, or another reason
LISTEN_KEYS = {
    "webhook": (N_("error.webhook_in_use"), N_("error.webhook_listen")),
    "http": (N_("error.http_in_use"), N_("error.http_listen")),
}


def _can_listen(t: Translator, host: str, port: int, server: str = "webhook") -> bool:
    """Whether the ``server`` (webhook or http) can listen on ``host:port``; else one line why."""
    problem = listen_error(host, port)
    if problem is None:
        return True
    in_use = problem.errno == errno.EADDRINUSE
    keys = LISTEN_KEYS[server]
    key = keys[0] if in_use else keys[1]
    detail = problem.strerror or str(problem)
    print(t(key, listen=host, port=port, detail=detail), file=sys.stderr)
    return False


def run_bot(t: Translator, settings: Settings) -> int:
    """`yuqing-bot run`: every configured messenger in one process; the exit status."""
    from bot.runlock import acquire
    from bot.service.plans import PlanBook
    from bot.store.opening import is_server_url

    if not (settings.telegram or settings.wecom):
        print(t("error.no_messenger"), file=sys.stderr)
        return 2
    plans = PlanBook.load(settings.plans, settings.timezone)
    messengers = [name for name in ("telegram", "wecom") if getattr(settings, name)]
    if not any(chat.partition(":")[0] in messengers for chat in plans.chats()):
        fields = ", ".join(f"chats.{name}" for name in messengers)
        print(t("error.no_chats_for", path=str(settings.plans), fields=fields), file=sys.stderr)
        return 2
    if not is_server_url(settings.database):  # on a server, a lease elects the leader instead
        acquire(settings.database_file)  # one `run` per file: a second one stops here, status 1
    if settings.http_port and not _can_listen(t, settings.http_listen, settings.http_port, "http"):
        return 1
    if settings.telegram:
        return _run_with_telegram(t, settings, plans)
    asyncio.run(_check_store(settings))  # locked, read-only or full: one line (StoreError) and 1
    _log_to_stderr(settings)
    return _started(t, settings, lambda faces: asyncio.run(_serve(settings, plans, faces)))


async def _check_store(settings: Settings) -> None:
    from bot.serve import prove_writable
    from bot.service.clock import SystemClock
    from bot.store.opening import open_store

    async with await open_store(settings.database) as store:
        await prove_writable(store, SystemClock())


async def _serve(settings: Settings, plans: Any, faces: Sequence[Any]) -> int:
    from bot.serve import Ops, serve
    from bot.service.clock import SystemClock

    ops = Ops(settings.http_listen, settings.http_port) if settings.http_port else None
    return await serve(
        settings.database, plans, SystemClock(), faces, settings.shelf, settings.keep_sent, ops
    )


def _started(t: Translator, settings: Settings, go: Callable[[list[Any]], int]) -> int:
    """Run ``go`` with the other messengers' faces; a refused WeCom subscription is one line."""
    faces: list[Any] = []
    if settings.wecom:
        from bot.wecom.app import WecomFace
        from bot.wecom.errors import SubscribeRejected

        faces.append(WecomFace(settings))
        try:
            return go(faces)
        except SubscribeRejected as exc:
            print(t("error.wecom_rejected", code=exc.code, detail=exc.errmsg), file=sys.stderr)
            return 1
    return go(faces)


def _log_to_stderr(settings: Settings) -> None:
    from bot.ops.logs import setup_logging

    setup_logging(settings.log_format, settings.log_level)


def _run_with_telegram(t: Translator, settings: Settings, plans: Any) -> int:
    # imported here so that check-plan and grade start without loading the Telegram stack
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.telegram.app import ALLOWED_UPDATES, build, check_store, check_token
    from bot.telegram.guard import sender_failed

    if settings.webhook_url and not _can_listen(t, settings.webhook_listen, settings.webhook_port):
        return 1  # checked before Telegram is told to send updates to a server that cannot start
    try:  # before logging is on, so a bad token or URL is one line, not a traceback
        asyncio.run(check_token(settings))
    except InvalidToken:
        print(t("error.bad_token"), file=sys.stderr)
        return 1
    except NetworkError as exc:
        detail = str(exc)
        print(
            t("error.api_unreachable", url=settings.telegram_api_url, detail=detail),
            file=sys.stderr,
        )
        return 1
    asyncio.run(check_store(settings))  # locked, read-only or full: one line (StoreError) and 1
    _log_to_stderr(settings)

    def go(faces: list[Any]) -> int:
        application = build(settings, plans, others=faces)
        try:
            if settings.webhook_url:
                secret = settings.webhook_secret
                application.run_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    webhook_url=settings.webhook_url,
                    secret_token=secret.get_secret_value() if secret else None,
                    allowed_updates=ALLOWED_UPDATES,
                )
            else:
                application.run_polling(allowed_updates=ALLOWED_UPDATES)
        except TelegramError as exc:  # e.g. Telegram refusing the webhook URL
            print(t("error.telegram_start", detail=str(exc)), file=sys.stderr)
            return 1
        return 1 if sender_failed(application) else 0  # the service manager restarts it

    return _started(t, settings, go)
