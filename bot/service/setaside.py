"""What the delivery engine takes off its queue unsent: parked messages and chats the bot left.

Each is written to the store and logged once with its context (never the message's text).
"""

from __future__ import annotations

import logging
from collections import Counter

from bot.domain.errors import StoreError
from bot.service.clock import Clock
from bot.service.membership import gone_chats, mark_gone
from bot.service.transport import ChatGone
from bot.store import OutboxItem, Store

log = logging.getLogger("bot.service.delivery")  # the engine's records, written here


async def park(store: Store, clock: Clock, item: OutboxItem, exc: Exception) -> None:
    """Set aside an item that cannot be drawn or sent, with one log record of its context."""
    number = await incident_number(store, item)
    reason = f"{type(exc).__name__}: {exc}"[:1000]
    async with store.transaction() as tx:
        await tx.park(item.id, clock.now(), reason)
    log.error(
        "outbox message %s (%s for chat %s, incident %s #%s) cannot be sent: parked (%s)",
        item.id,
        item.kind,
        item.chat,
        item.incident_id,
        number,
        reason,
        exc_info=exc,
    )


async def incident_number(store: Store, item: OutboxItem) -> int | None:
    """The number of the item's incident, for the log; None if it has none or is unreadable."""
    if item.incident_id is None:
        return None
    try:
        incident = await store.get_incident(item.incident_id)
    except StoreError:
        raise
    except Exception:  # the incident may be what cannot be read; the log says so anyway
        return None
    return incident.number if incident else None


async def skip_gone(
    store: Store, clock: Clock, transport: str, items: list[OutboxItem]
) -> list[OutboxItem]:
    """Drop (mark sent, one log line per chat) the items owed to chats the bot left."""
    gone = await gone_chats(store, transport)
    dropped = [item for item in items if item.chat in gone]
    if not dropped:
        return items
    now = clock.now()
    async with store.transaction() as tx:
        for item in dropped:
            await tx.mark_sent(item.id, now, None)
    for chat, count in Counter(item.chat for item in dropped).items():
        log.warning("not in chat %s: %d owed message(s) dropped", chat, count)
    return [item for item in items if item.chat not in gone]


async def forget_chat(store: Store, clock: Clock, item: OutboxItem, exc: ChatGone) -> None:
    """Record that the bot is out of the item's chat, and drop the item."""
    now = clock.now()
    async with store.transaction() as tx:
        await mark_gone(tx, item.chat, str(exc), now)
        await tx.mark_sent(item.id, now, None)
    log.warning(
        "removed from chat %s (%s): message %s dropped; nothing is sent there until the"
        " bot is added back",
        item.chat,
        exc,
        item.id,
    )
