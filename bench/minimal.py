"""The reference bot for the first reply to /report: the least a correct bot must do.

On each ``/report`` it writes the report and its outbox row in one durable SQLite transaction
(WAL, ``synchronous = FULL``: the commit is on disk before anything is said), then sends the
first grading question with an inline keyboard and records the outbox row as sent. Nothing
else: no plans, no roles, no translations, no clock. yuqing-bot's first reply is measured
against this bot in the same run.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY, chat INTEGER NOT NULL, reporter INTEGER NOT NULL,
    text TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, chat INTEGER NOT NULL, report_id INTEGER NOT NULL
    REFERENCES reports (id), kind TEXT NOT NULL, created_at REAL NOT NULL,
    sent_at REAL, ref INTEGER);
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


def minimal_app(
    token: str, api: str, database: Path, builder: Any = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application answering /report as described above."""
    conn = connect(database)

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg, user = update.effective_message, update.effective_user
        assert msg is not None and user is not None
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        cursor = conn.execute(
            "INSERT INTO reports (chat, reporter, text, at) VALUES (?, ?, ?, ?)",
            (msg.chat_id, user.id, msg.text or "", now),
        )
        outbox = conn.execute(
            "INSERT INTO outbox (chat, report_id, kind, created_at) VALUES (?, ?, ?, ?)",
            (msg.chat_id, cursor.lastrowid, "question", now),
        ).lastrowid
        conn.execute("COMMIT")
        sent = await msg.reply_text(QUESTION, reply_markup=KEYBOARD)
        conn.execute(
            "UPDATE outbox SET sent_at = ?, ref = ? WHERE id = ?",
            (time.time(), sent.message_id, outbox),
        )

    app = (builder or ApplicationBuilder()).token(token).base_url(api).build()
    app.add_handler(CommandHandler("report", report))
    return app
