"""One bot process for the benchmarks: the real bot (``bot.telegram.app.build``), a bare echo,
or the minimal reference bot (bench/minimal.py).

    python -m bench.child yuqing|echo|minimal --api URL --token T [--database DB --plans FILE]
        [--no-rate-limit] [--aiohttp] [--profile FILE]

Prints ``READY {json}`` once polling, then runs until a line arrives on stdin, and prints
``STATS {json}`` (peak memory) before exiting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

from pydantic import SecretStr  # noqa: E402  (imports are part of the measured start)
from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler  # noqa: E402
from telegram.ext import filters as flt  # noqa: E402

POLL = {"poll_interval": 0.0, "timeout": 1}  # both bots poll the same way (as the e2e tests do)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def baseline_builder(args: argparse.Namespace) -> Any:
    """A baseline's ApplicationBuilder: PTB's default HTTP client, or the bot's (--aiohttp)."""
    builder = ApplicationBuilder()
    if args.aiohttp:
        from bot.telegram.request import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(pool=1))
    return builder


def echo_app(args: argparse.Namespace) -> Application[Any, Any, Any, Any, Any, Any]:
    """A bare python-telegram-bot Application with one echoing MessageHandler."""
    app = baseline_builder(args).token(args.token).base_url(args.api).build()
    app.add_handler(MessageHandler(flt.TEXT, echo))
    return app


def yuqing_app(args: argparse.Namespace) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot through its composition root, on a real SQLite file or PostgreSQL database."""
    from bot.service.plans import PlanBook
    from bot.settings import Settings
    from bot.telegram.app import build
    from bot.telegram.transport import CAPABILITIES

    # no flood limits: the handlers' rate limiter and the delivery engine's gate alike
    limits = replace(CAPABILITIES, overall=(), per_chat=()) if args.no_rate_limit else CAPABILITIES

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_token=SecretStr(args.token),
        telegram_api_url=args.api,
        database=args.database,  # a SQLite file or a postgresql:// URL
        plans=Path(args.plans),
    )
    return build(settings, PlanBook.load(settings.plans), capabilities=limits)


def reference_app(args: argparse.Namespace) -> Application[Any, Any, Any, Any, Any, Any]:
    """The minimal reference bot (bench/minimal.py) on a SQLite file or PostgreSQL database
    of its own."""
    from bench.minimal import minimal_app

    return minimal_app(args.token, args.api, args.database, baseline_builder(args))


APPS = {"yuqing": yuqing_app, "echo": echo_app, "minimal": reference_app}


async def serve(args: argparse.Namespace) -> dict[str, float]:
    """Start, report READY, wait for the stop line, stop; return the timings."""
    app = APPS[args.kind](args)
    built = time.perf_counter()
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)  # the bot's store, sender and first tick (reminders booked)
    ready = time.perf_counter()
    assert app.updater is not None
    await app.updater.start_polling(**POLL)  # type: ignore[arg-type]
    await app.start()
    timings = {"imports": built - STARTED, "startup": ready - built}
    print("READY " + json.dumps(timings), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await app.updater.stop()
    await app.stop()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    await app.shutdown()
    return timings


def main() -> None:
    """Parse the arguments and run one bot until told to stop."""
    parser = argparse.ArgumentParser(prog="bench.child")
    parser.add_argument("kind", choices=sorted(APPS))
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database")
    parser.add_argument("--plans")
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--aiohttp", action="store_true", help="a baseline on the bot's client")
    parser.add_argument("--profile", help="write a pyinstrument profile (text) here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        profiler.start()
    asyncio.run(serve(args))
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("STATS " + json.dumps({"peak_mb": peak}), flush=True)


if __name__ == "__main__":
    main()
