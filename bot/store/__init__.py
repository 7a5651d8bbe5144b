"""The incident store: the port (``Store``, ``Tx``) and its SQLite adapter (``SqliteStore``)."""

from bot.store.port import (
    Approval,
    Conflict,
    Decision,
    NotFound,
    OutboxItem,
    Person,
    Store,
    Tx,
)
from bot.store.schema import latest_version
from bot.store.sqlite import SqliteStore

__all__ = [
    "Approval",
    "Conflict",
    "Decision",
    "NotFound",
    "OutboxItem",
    "Person",
    "SqliteStore",
    "Store",
    "Tx",
    "latest_version",
]
