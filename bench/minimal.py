"""The reference bot for the first reply to /report: the least a correct bot must do.

On each ``/report`` it writes the report and its outbox row in one durable transaction, then
sends the first grading question with an inline keyboard and records the outbox row as sent.
Nothing else: no plans, no roles, no translations, no clock. yuqing-bot's first reply is
measured against this bot in the same run, on the same store: a SQLite file (WAL,
``synchronous = FULL``: the commit is on disk before anything is said), or a PostgreSQL
database given as a ``postgresql://`` URL (asyncpg, the bot's driver; ``BEGIN``, two
``INSERT … RETURNING``, ``COMMIT``: four round trips, the fewest asyncpg makes for it).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.store.opening import is_server_url

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY, chat INTEGER NOT NULL, reporter INTEGER NOT NULL,
    text TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, chat INTEGER NOT NULL, report_id INTEGER NOT NULL
    REFERENCES reports (id), kind TEXT NOT NULL, created_at REAL NOT NULL,
    sent_at REAL, ref INTEGER);
"""
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id BIGSERIAL PRIMARY KEY, chat BIGINT NOT NULL, reporter BIGINT NOT NULL,
    text TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id BIGSERIAL PRIMARY KEY, chat BIGINT NOT NULL, report_id BIGINT NOT NULL
    REFERENCES reports (id), kind TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
    sent_at DOUBLE PRECISION, ref BIGINT);
"""
QUESTION = "定级问题 1/2\n传播范围？"
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("50条以内", callback_data="q0:low")],
        [InlineKeyboardButton("500条以上", callback_data="q0:high")],
    ]
)


def connect(path: Path) -> sqlite3.Connection:
    """The database, in WAL mode with every commit synced, transactions explicit."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(SCHEMA)
    return conn


class SqliteReports:
    """The reference bot's writes on a SQLite file."""

    def __init__(self, path: Path) -> None:
        self.conn = connect(path)

    async def write(self, chat: int, reporter: int, text: str, now: float) -> int:
        """The report and its outbox row, committed; the outbox row's id."""
        self.conn.execute("BEGIN IMMEDIATE")
        cursor = self.conn.execute(
            "INSERT INTO reports (chat, reporter, text, at) VALUES (?, ?, ?, ?)",
            (chat, reporter, text, now),
        )
        outbox = self.conn.execute(
            "INSERT INTO outbox (chat, report_id, kind, created_at) VALUES (?, ?, ?, ?)",
            (chat, cursor.lastrowid, "question", now),
        ).lastrowid
        self.conn.execute("COMMIT")
        assert outbox is not None
        return outbox

    async def sent(self, outbox: int, ref: int) -> None:
        """Record the outbox row as sent."""
        self.conn.execute(
            "UPDATE outbox SET sent_at = ?, ref = ? WHERE id = ?", (time.time(), ref, outbox)
        )


class PgReports:
    """The reference bot's writes on a PostgreSQL database, over one asyncpg connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    async def open(self) -> None:
        """Connect and make the tables."""
        self.conn = await asyncpg.connect(self.url)
        await self.conn.execute(PG_SCHEMA)

    async def write(self, chat: int, reporter: int, text: str, now: float) -> int:
        """The report and its outbox row, committed; the outbox row's id."""
        async with self.conn.transaction():
            report = await self.conn.fetchval(
                "INSERT INTO reports (chat, reporter, text, at) VALUES ($1, $2, $3, $4)"
                " RETURNING id",
                chat,
                reporter,
                text,
                now,
            )
            outbox: int = await self.conn.fetchval(
                "INSERT INTO outbox (chat, report_id, kind, created_at) VALUES ($1, $2, $3, $4)"
                " RETURNING id",
                chat,
                report,
                "question",
                now,
            )
        return outbox

    async def sent(self, outbox: int, ref: int) -> None:
        """Record the outbox row as sent."""
        await self.conn.execute(
            "UPDATE outbox SET sent_at = $1, ref = $2 WHERE id = $3", time.time(), ref, outbox
        )


def minimal_app(
    token: str, api: str, database: str, builder: Any = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application answering /report as described above."""
    reports = PgReports(database) if is_server_url(database) else SqliteReports(Path(database))

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg, user = update.effective_message, update.effective_user
        assert msg is not None and user is not None
        outbox = await reports.write(msg.chat_id, user.id, msg.text or "", time.time())
        sent = await msg.reply_text(QUESTION, reply_markup=KEYBOARD)
        await reports.sent(outbox, sent.message_id)

    async def opened(_: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if isinstance(reports, PgReports):
            await reports.open()

    app = (builder or ApplicationBuilder()).token(token).base_url(api).post_init(opened).build()
    app.add_handler(CommandHandler("report", report))
    return app
