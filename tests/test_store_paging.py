"""Store contract: due wake-ups a page at a time, a walk over live incidents, sent rows pruned."""

from datetime import timedelta

from support import T0
from test_store import H, new_incident, owe, write

from bot.domain.lifecycle import State
from bot.store import Store

LIVE = [State.REPORTED, State.ACTIVE]


async def test_due_wakeups_come_earliest_first_then_unknown_up_to_the_limit(store: Store) -> None:
    ids = [(await new_incident(store)).id for _ in range(5)]
    await write(store, lambda tx: tx.set_wakeups({ids[0]: T0, ids[1]: T0 - H, ids[4]: T0 + H}))
    due = await store.wakeups_due(T0, states=LIVE, limit=3)
    assert [i.id for i in due] == [ids[1], ids[0], ids[2]]  # by time, then unknown (by id)
    everything = await store.wakeups_due(T0, states=LIVE)
    assert [i.id for i in everything] == [ids[1], ids[0], ids[2], ids[3]]
    first = await store.wakeups_due(T0, states=LIVE, limit=2)
    assert [i.id for i in first] == [ids[1], ids[0]]  # due ones fill the page: none unknown
    assert all(i.description == "负面帖子" and i.chat == "telegram:-100" for i in due)


async def test_a_walk_over_live_incidents_pages_by_id(store: Store) -> None:
    ids = [(await new_incident(store, chat=f"{kind}:-1")).id for kind in ("telegram",) * 5]
    drill = await new_incident(store, chat="drill:-1")
    await write(store, lambda tx: tx.update_incident(ids[1], 0, state=State.CLOSED))
    first = await store.incidents_after(0, states=LIVE, transport="telegram", limit=2)
    assert [i.id for i in first] == [ids[0], ids[2]]  # the closed one is not walked
    rest = await store.incidents_after(ids[2], states=LIVE, transport="telegram", limit=2)
    assert [i.id for i in rest] == [ids[3], ids[4]]
    assert await store.incidents_after(ids[4], states=LIVE, transport="telegram", limit=2) == []
    every = await store.incidents_after(0, states=LIVE, transport=None, limit=10)
    assert [i.id for i in every] == [ids[0], *ids[2:], drill.id]


async def test_pruning_deletes_only_old_sent_messages_a_page_at_a_time(store: Store) -> None:
    ids = await owe(store, 6)  # enqueued an hour apart
    for item_id in ids[:4]:
        await write(store, lambda tx, i=item_id: tx.mark_sent(i, T0 + (i - ids[0]) * H, "77"))
    await write(store, lambda tx: tx.park(ids[4], T0, "cannot be drawn"))
    await write(store, lambda tx: tx.kv_set("refs:telegram", "card:1", "77", T0))
    before = T0 + 3 * H  # the first three were sent before it, the fourth at it
    assert await write(store, lambda tx: tx.prune_sent(before, 2)) == 2
    assert await write(store, lambda tx: tx.prune_sent(before, 2)) == 1
    assert await write(store, lambda tx: tx.prune_sent(before + timedelta(days=9), 0)) == 0
    assert [i.id for i in await store.pending()] == [ids[5]]  # unsent: kept
    assert [i.id for i in await store.parked()] == [ids[4]]  # parked (never sent): kept
    assert await store.kv_get("refs:telegram", "card:1") == "77"  # edits still find the message
    assert await write(store, lambda tx: tx.prune_sent(before + H, 10)) == 1  # the fourth
