"""The incident store: a contract every Store implementation passes, then SQLite specifics.

Everything runs against a real database file under tmp_path, never a mock.
"""

import asyncio
import contextlib
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import STORES
from support import T0

from bot.domain.errors import StoreError
from bot.domain.incident import Attachment, Incident, TimelineEvent
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState, ObStatus
from bot.i18n import Translator
from bot.store import (
    Conflict,
    Decision,
    NotFound,
    SqliteStore,
    Store,
    Tx,
    latest_version,
    riders,
    schema,
)

H = timedelta(hours=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NAIVE = datetime(2026, 3, 1, 8, 0)


async def new_incident(store: Store, **overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "plan_id": "county",
        "chat": "telegram:-100",
        "reporter": "telegram:42",
        "description": "负面帖子",
        "reported_at": T0,
    }
    fields.update(overrides)
    async with store.transaction() as tx:
        return await tx.create_incident(**fields)


async def write(store: Store, action: Callable[[Tx], Awaitable[Any]]) -> Any:
    async with store.transaction() as tx:
        return await action(tx)


async def owe(store: Store, count: int) -> list[int]:
    """Enqueue ``count`` messages to two Telegram chats; their outbox ids, oldest first."""
    async with store.transaction() as tx:
        return [
            await tx.enqueue(f"telegram:-{100 + i % 2}", "notice", {"i": i}, T0 + i * H)
            for i in range(count)
        ]


@pytest.fixture
async def second(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Another connection to the ``store`` fixture's file, of the same implementation."""
    opened = await STORES[request.node.callspec.params["store"]](tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


class TestStoreContract:
    """What any Store must do; ``store`` is parametrized over the implementations."""

    async def test_create_then_read_back_every_field(self, store: Store) -> None:
        attachments = (
            Attachment("link", "https://example.com/post/1"),
            Attachment("photo", "file-id-9", "截图.png"),
        )
        created = await new_incident(
            store,
            reported_at=datetime(2026, 3, 1, 16, 0, tzinfo=SHANGHAI),  # = T0 in UTC
            attachments=attachments,
            is_drill=True,
            lang="en",
            extra={"source": "weibo", "tags": ["a", "b"], "n": 1.5},
        )
        assert created.number == 1 and created.version == 0 and created.state is State.REPORTED
        assert created.reported_at == T0 and created.reported_at.tzinfo is UTC
        obligation = ObligationState("reply", "office", T0 + 2 * H, ObStatus.MET, 2, T0 + H)
        async with store.transaction() as tx:
            await tx.set_answer(created.id, "reach", "mid", "telegram:42", T0)
            await tx.save_obligations(created.id, [obligation])
            version = await tx.update_incident(
                created.id,
                0,
                state=State.STABILISED,
                level_id="mid",
                graded_at=T0 + H,
                confirmed_at=(T0 + 2 * H).astimezone(SHANGHAI),
                stabilised_at=T0 + 3 * H,
                closed_at=T0 + 4 * H,
                followups_sent=3,
                last_update_at=T0 + 5 * H,
                description="改过的描述",
            )
        assert version == 1
        expected = Incident(
            id=created.id,
            number=1,
            plan_id="county",
            chat="telegram:-100",
            state=State.STABILISED,
            reporter="telegram:42",
            description="改过的描述",
            reported_at=T0,
            level_id="mid",
            graded_at=T0 + H,
            confirmed_at=T0 + 2 * H,
            stabilised_at=T0 + 3 * H,
            closed_at=T0 + 4 * H,
            followups_sent=3,
            last_update_at=T0 + 5 * H,
            is_drill=True,
            lang="en",
            version=1,
            answers={"reach": "mid"},
            obligations=(obligation,),
            attachments=attachments,
            extra={"source": "weibo", "tags": ["a", "b"], "n": 1.5},
        )
        assert await store.get_incident(created.id) == expected
        assert await store.get_by_number(1) == expected
        assert await store.get_incident(created.id + 1) is None
        assert await store.get_by_number(2) is None

    @pytest.mark.parametrize(
        "moment",
        [
            T0,
            datetime(2026, 3, 1, 16, 0, tzinfo=SHANGHAI),
            datetime(
                2026, 3, 1, 2, 30, 0, 123456, tzinfo=timezone(timedelta(hours=-5, minutes=-30))
            ),
            datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
        ],
    )
    async def test_aware_times_come_back_as_the_same_instant_in_utc(
        self, store: Store, moment: datetime
    ) -> None:
        incident = await new_incident(store, reported_at=moment)
        await write(store, lambda tx: tx.add_event(TimelineEvent(incident.id, moment, "x")))
        loaded = await store.get_incident(incident.id)
        assert loaded is not None
        (event,) = await store.timeline(incident.id)
        for value in (loaded.reported_at, event.at):
            assert value == moment and value.tzinfo is UTC and value.utcoffset() == timedelta(0)

    @pytest.mark.parametrize(
        "action",
        [
            lambda tx, i: tx.create_incident(
                plan_id="p", chat="c", reporter="r", description="d", reported_at=NAIVE
            ),
            lambda tx, i: tx.update_incident(i, 0, graded_at=NAIVE),
            lambda tx, i: tx.set_answer(i, "reach", "low", None, NAIVE),
            lambda tx, i: tx.add_event(TimelineEvent(i, NAIVE, "x")),
            lambda tx, i: tx.save_obligations(i, [ObligationState("a", "o", NAIVE)]),
            lambda tx, i: tx.set_obligation(i, "a", met_at=NAIVE),
            lambda tx, i: tx.add_approval(
                i, kind="confirm", decision="approved", actor="a", at=NAIVE
            ),
            lambda tx, i: tx.upsert_person("telegram:1", "a", "A", NAIVE),
            lambda tx, i: tx.claim_update("u1", NAIVE),
            lambda tx, i: tx.kv_set("ns", "k", 1, NAIVE),
        ],
        ids=[
            "create",
            "update",
            "answer",
            "event",
            "obligations",
            "obligation",
            "approval",
            "person",
            "claim",
            "kv",
        ],
    )
    async def test_naive_datetimes_are_refused_and_nothing_is_written(
        self, store: Store, action: Callable[[Tx, int], Awaitable[Any]]
    ) -> None:
        incident = await new_incident(store)
        with pytest.raises(ValueError, match="naive"):
            async with store.transaction() as tx:
                await tx.add_event(TimelineEvent(incident.id, T0, "before"))
                await action(tx, incident.id)
        assert await store.timeline(incident.id) == []
        assert await store.get_incident(incident.id) == incident

    async def test_numbers_increase_and_stay_unique(self, store: Store) -> None:
        first = await new_incident(store)
        async with store.transaction() as tx:
            second = await tx.create_incident(
                plan_id="p", chat="c", reporter="r", description="d", reported_at=T0
            )
            third = await tx.create_incident(
                plan_id="p", chat="c", reporter="r", description="d", reported_at=T0
            )
        assert [first.number, second.number, third.number] == [1, 2, 3]
        assert len({first.id, second.id, third.id}) == 3

    async def test_concurrent_creators_get_distinct_numbers(self, store: Store) -> None:
        created = await asyncio.gather(*(new_incident(store) for _ in range(10)))
        assert sorted(incident.number for incident in created) == list(range(1, 11))

    async def test_answers_replace_and_clear(self, store: Store) -> None:
        incident = await new_incident(store)
        async with store.transaction() as tx:
            await tx.set_answer(incident.id, "reach", "low", "telegram:1", T0)
            await tx.set_answer(incident.id, "media", "no", "telegram:1", T0 + H)
        await write(store, lambda tx: tx.set_answer(incident.id, "reach", "high", None, T0 + 2 * H))
        loaded = await store.get_incident(incident.id)
        assert loaded is not None and loaded.answers == {"media": "no", "reach": "high"}
        await write(store, lambda tx: tx.clear_answers(incident.id))
        loaded = await store.get_incident(incident.id)
        assert loaded is not None and loaded.answers == {}

    async def test_obligations_upsert_keeps_order_content_and_met_by(self, store: Store) -> None:
        incident = await new_incident(store)
        a = ObligationState("report_up", "office", T0 + 2 * H)
        b = ObligationState("release", "press", None, ObStatus.WAITING)
        await write(store, lambda tx: tx.save_obligations(incident.id, [a, b]))
        async with store.transaction() as tx:
            await tx.set_obligation(
                incident.id, "release", status=ObStatus.SUBMITTED, content="通稿草稿"
            )
            await tx.set_obligation(incident.id, "report_up", sent=2)
            await tx.set_obligation(
                incident.id, "report_up", status=ObStatus.MET, met_at=T0 + H, met_by="telegram:7"
            )
        loaded = await store.get_incident(incident.id)
        assert loaded is not None
        assert loaded.obligations == (
            replace(a, status=ObStatus.MET, sent=2, met_at=T0 + H),
            replace(b, status=ObStatus.SUBMITTED),
        )
        moved = replace(b, due_at=T0 + 5 * H, status=ObStatus.SUBMITTED, sent=0)
        new = ObligationState("review", "office", None, ObStatus.WAITING)
        await write(store, lambda tx: tx.save_obligations(incident.id, [new, moved]))
        loaded = await store.get_incident(incident.id)
        assert loaded is not None
        assert [s.id for s in loaded.obligations] == ["report_up", "release", "review"]
        assert loaded.obligation("release") == moved
        assert await store.obligation_content(incident.id, "release") == "通稿草稿"
        assert await store.obligation_content(incident.id, "report_up") is None
        assert await store.obligation_content(incident.id, "nope") is None

    async def test_set_obligation_on_a_missing_one_is_not_found(self, store: Store) -> None:
        incident = await new_incident(store)
        with pytest.raises(NotFound) as caught:
            await write(store, lambda tx: tx.set_obligation(incident.id, "nope", sent=1))
        assert caught.value.key == "error.store_not_found"

    async def test_optimistic_concurrency_lets_exactly_one_decision_win(self, store: Store) -> None:
        incident = await new_incident(store)
        both_read = asyncio.Barrier(2)  # reads may take turns in any order (a pool, a lock)

        async def decide(level: str) -> str:
            seen = await store.get_incident(incident.id)
            assert seen is not None
            await both_read.wait()  # both leaders have read version 0 by now
            try:
                async with store.transaction() as tx:
                    await tx.update_incident(seen.id, seen.version, level_id=level)
                    await tx.add_event(TimelineEvent(seen.id, T0, "graded", data={"to": level}))
            except Conflict as conflict:
                assert conflict.key == "error.store_conflict"
                assert conflict.params["number"] == 1 and conflict.params["actual"] == 1
                return "lost"
            return "won"

        results = await asyncio.gather(decide("high"), decide("low"))
        assert sorted(results) == ["lost", "won"]
        winner = "high" if results[0] == "won" else "low"
        loaded = await store.get_incident(incident.id)
        assert loaded is not None and loaded.level_id == winner and loaded.version == 1
        assert [e.data for e in await store.timeline(incident.id)] == [{"to": winner}]

    async def test_update_with_stale_version_changes_nothing(self, store: Store) -> None:
        incident = await new_incident(store)
        assert await write(store, lambda tx: tx.update_incident(incident.id, 0, level_id="a")) == 1
        with pytest.raises(Conflict):
            await write(store, lambda tx: tx.update_incident(incident.id, 0, level_id="b"))
        with pytest.raises(NotFound):
            await write(store, lambda tx: tx.update_incident(incident.id + 9, 0, level_id="b"))
        with pytest.raises(TypeError, match="number"):
            await write(store, lambda tx: tx.update_incident(incident.id, 1, number=7))
        loaded = await store.get_incident(incident.id)
        assert loaded is not None and loaded.level_id == "a" and loaded.version == 1

    @pytest.mark.parametrize("error", [RuntimeError("boom"), asyncio.CancelledError()])
    async def test_an_exception_rolls_back_everything(
        self, store: Store, error: BaseException
    ) -> None:
        with pytest.raises(type(error)):
            async with store.transaction() as tx:
                incident = await tx.create_incident(
                    plan_id="p", chat="c", reporter="r", description="d", reported_at=T0
                )
                await tx.set_answer(incident.id, "reach", "low", None, T0)
                await tx.add_event(TimelineEvent(incident.id, T0, "reported"))
                await tx.kv_set("ns", "k", 1, T0)
                assert await tx.claim_update("u1", T0)
                raise error
        assert await store.list_incidents() == []
        assert await store.timeline(incident.id) == []
        assert await store.kv_get("ns", "k") is None
        assert (await new_incident(store)).number == 1  # the number was not used up
        assert await write(store, lambda tx: tx.claim_update("u1", T0)) is True

    async def test_a_conflict_rolls_back_earlier_writes_of_its_transaction(
        self, store: Store
    ) -> None:
        incident = await new_incident(store)
        with pytest.raises(Conflict):
            async with store.transaction() as tx:
                await tx.add_event(TimelineEvent(incident.id, T0, "regraded"))
                await tx.update_incident(incident.id, 5, level_id="x")
        assert await store.timeline(incident.id) == []

    async def test_timeline_is_ordered_by_time_then_insertion(self, store: Store) -> None:
        incident = await new_incident(store)
        events = [
            TimelineEvent(incident.id, T0 + 2 * H, "c", "telegram:1", {"n": 3}),
            TimelineEvent(incident.id, T0, "a", None, {"list": [1, "二"]}),
            TimelineEvent(incident.id, T0 + H, "b1"),
            TimelineEvent(incident.id, T0 + H, "b2"),
        ]
        async with store.transaction() as tx:
            ids = [await tx.add_event(event) for event in events]
        assert len(set(ids)) == 4
        loaded = await store.timeline(incident.id)
        assert [e.kind for e in loaded] == ["a", "b1", "b2", "c"]
        assert loaded[0] == replace(events[1], id=ids[1])
        assert loaded[3].actor == "telegram:1" and loaded[3].data == {"n": 3}

    async def test_approvals_are_recorded_in_order(self, store: Store) -> None:
        incident = await new_incident(store)
        async with store.transaction() as tx:
            second = await tx.add_approval(
                incident.id,
                kind="draft",
                decision=Decision.REJECTED,
                actor="telegram:1",
                at=T0 + H,
                target="release",
                note="改一下",
            )
            first = await tx.add_approval(
                incident.id, kind="confirm", decision="approved", actor="telegram:1", at=T0
            )
        found = await store.approvals(incident.id)
        assert [a.id for a in found] == [first, second]
        assert found[0].decision is Decision.APPROVED and found[0].target is None
        assert (found[1].kind, found[1].target, found[1].note) == ("draft", "release", "改一下")
        assert found[1].at == T0 + H
        with pytest.raises(ValueError):
            await write(
                store,
                lambda tx: tx.add_approval(
                    incident.id, kind="close", decision="maybe", actor="a", at=T0
                ),
            )

    async def test_claim_update_is_idempotent(self, store: Store) -> None:
        async with store.transaction() as tx:
            assert await tx.claim_update("telegram:1001", T0) is True
            assert await tx.claim_update("telegram:1001", T0) is False
        assert await write(store, lambda tx: tx.claim_update("telegram:1001", T0 + H)) is False
        assert await write(store, lambda tx: tx.claim_update("telegram:1002", T0 + H)) is True
        assert await write(store, lambda tx: tx.forget_updates(T0 + H)) == 1
        assert await write(store, lambda tx: tx.claim_update("telegram:1001", T0 + H)) is True

    async def test_update_seen_reads_the_marks(self, store: Store) -> None:
        assert await store.update_seen("telegram:7") is False
        await write(store, lambda tx: tx.claim_update("telegram:7", T0))
        assert await store.update_seen("telegram:7") is True
        assert await store.update_seen("telegram:8") is False

    async def test_riders_are_written_by_the_next_transaction_that_commits(
        self, store: Store
    ) -> None:
        async def mark(tx: Tx) -> None:
            assert await tx.claim_update("telegram:9", T0)

        with riders.scope():
            riders.aboard(mark)
            with pytest.raises(StoreError):  # rolled back: the mark waits for the next one
                async with store.transaction() as tx:
                    await tx.add_event(TimelineEvent(999, T0, "orphan"))
            assert await store.update_seen("telegram:9") is False
            incident = await new_incident(store)  # this one carries it
            assert await store.update_seen("telegram:9") is True
            await riders.settle(store.transaction)  # nothing left to write
        assert await store.get_incident(incident.id) is not None
        await write(store, lambda tx: tx.kv_set("n", "k", 1, T0))  # outside the scope: no riders

    async def test_a_transaction_not_waiting_for_the_disk_commits_and_rolls_back_alike(
        self, store: Store
    ) -> None:
        async with store.transaction(durable=False) as tx:
            await tx.kv_set("n", "quick", 1, T0)
        assert await store.kv_get("n", "quick") == 1
        with pytest.raises(StoreError):
            async with store.transaction(durable=False) as tx:
                await tx.kv_set("n", "quick", 2, T0)
                await tx.add_event(TimelineEvent(999, T0, "orphan"))
        assert await store.kv_get("n", "quick") == 1

        async def mark(tx: Tx) -> None:
            assert await tx.claim_update("telegram:11", T0)

        with riders.scope():
            riders.aboard(mark)  # an update's mark rides along: that commit is durable
            async with store.transaction(durable=False) as tx:
                await tx.kv_set("n", "quick", 3, T0)
        assert await store.update_seen("telegram:11") is True

    async def test_settle_writes_what_no_transaction_took(self, store: Store) -> None:
        async def mark(tx: Tx) -> None:
            await tx.claim_update("telegram:10", T0)

        with riders.scope():
            riders.aboard(mark)
            assert await store.update_seen("telegram:10") is False  # reads carry nothing
            await riders.settle(store.transaction)
        assert await store.update_seen("telegram:10") is True
        with pytest.raises(ValueError):
            riders.aboard(mark)

    async def test_people_upsert_and_lookup_by_username(self, store: Store) -> None:
        async with store.transaction() as tx:
            await tx.upsert_person("telegram:42", "@Alice_W", "Alice", T0, lang="en")
            await tx.upsert_person("telegram:43", None, "No Name", T0)
        for name in ("alice_w", "@ALICE_W", "Alice_W"):
            found = await store.person_by_username(name)
            assert found is not None and found.key == "telegram:42", name
        await write(store, lambda tx: tx.upsert_person("telegram:42", "alice_w", "Alice W", T0 + H))
        person = await store.person("telegram:42")
        assert person is not None
        assert (person.username, person.display_name, person.lang) == ("alice_w", "Alice W", "en")
        assert person.seen_at == T0 + H
        assert await store.person("telegram:99") is None
        assert await store.person_by_username("bob") is None
        assert await store.person_by_username("@") is None

    async def test_kv_set_get_delete(self, store: Store) -> None:
        value = {"step": 2, "answers": {"reach": "mid"}, "ids": [1, 2], "ok": True, "name": "张"}
        async with store.transaction() as tx:
            await tx.kv_set("conversation", "telegram:-100/42", value)
            await tx.kv_set("conversation", "telegram:-100/7", [1])
            await tx.kv_set("other", "x", "y")
        assert await store.kv_get("conversation", "telegram:-100/42") == value
        await write(store, lambda tx: tx.kv_set("conversation", "telegram:-100/7", None))
        assert await store.kv_items("conversation") == {
            "telegram:-100/42": value,
            "telegram:-100/7": None,
        }
        await write(store, lambda tx: tx.kv_delete("conversation", "telegram:-100/42"))
        await write(store, lambda tx: tx.kv_delete("conversation", "absent"))
        assert await store.kv_get("conversation", "telegram:-100/42") is None
        assert await store.kv_items("conversation") == {"telegram:-100/7": None}
        assert await store.kv_items("other") == {"x": "y"}

    async def test_a_kept_namespace_reads_as_the_database_does(self, store: Store) -> None:
        await store.keep({"conversation"})
        await write(store, lambda tx: tx.kv_set("conversation", "b", {"n": 1}))
        assert await store.kv_get("conversation", "b") == {"n": 1}
        read = await store.kv_get("conversation", "b")
        read["n"] = 99  # a caller changing what it got changes nothing stored
        assert await store.kv_get("conversation", "b") == {"n": 1}
        async with store.transaction() as tx:
            await tx.kv_set("conversation", "a", [1])
            await tx.kv_set("conversation", "c", None)
        assert await store.kv_items("conversation") == {"a": [1], "b": {"n": 1}, "c": None}
        assert list(await store.kv_items("conversation")) == ["a", "b", "c"]
        with contextlib.suppress(RuntimeError):
            async with store.transaction() as tx:
                await tx.kv_delete("conversation", "a")
                assert await store.kv_get("conversation", "a") is None  # its own write
                raise RuntimeError("rolled back")
        assert await store.kv_get("conversation", "a") == [1]
        await write(store, lambda tx: tx.kv_delete("conversation", "a"))
        assert await store.kv_get("conversation", "a") is None
        assert await store.kv_get("absent", "x") is None

    async def test_a_transaction_reads_the_database_not_memory(
        self, store: Store, second: Store
    ) -> None:
        await store.keep({"chat_lang"})
        await write(store, lambda tx: tx.kv_set("chat_lang", "telegram:-1", "zh_CN"))
        assert await store.kv_get("chat_lang", "telegram:-1") == "zh_CN"  # now in memory
        await write(second, lambda tx: tx.kv_set("chat_lang", "telegram:-1", "en"))
        async with store.transaction() as tx:  # heard or not yet: the committed value
            assert await tx.kv_get("chat_lang", "telegram:-1") == "en"
            await tx.kv_set("chat_lang", "telegram:-2", {"n": 1})
            assert await tx.kv_get("chat_lang", "telegram:-2") == {"n": 1}  # its own write
            await tx.kv_delete("chat_lang", "telegram:-1")
            assert await tx.kv_get("chat_lang", "telegram:-1") is None
            assert await tx.kv_get("absent", "x") is None

    async def test_another_process_changes_reach_a_kept_namespace(
        self, store: Store, second: Store
    ) -> None:
        await store.keep({"chat_lang"})
        await write(store, lambda tx: tx.kv_set("chat_lang", "telegram:-1", "zh_CN"))
        assert await store.kv_get("chat_lang", "telegram:-1") == "zh_CN"
        await write(second, lambda tx: tx.kv_set("chat_lang", "telegram:-1", "en"))
        await write(second, lambda tx: tx.kv_set("chat_lang", "telegram:-2", "en"))
        for _ in range(500):  # heard moments after the other's commit
            if await store.kv_items("chat_lang") == {"telegram:-1": "en", "telegram:-2": "en"}:
                break
            await asyncio.sleep(0.01)
        assert await store.kv_items("chat_lang") == {"telegram:-1": "en", "telegram:-2": "en"}

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({}, [1, 2, 3, 4]),
            ({"include_drills": False}, [1, 2, 4]),
            ({"states": [State.REPORTED]}, [1, 3]),
            ({"states": {State.ACTIVE, State.CLOSED}}, [2, 4]),
            ({"states": []}, []),
            ({"chat": "telegram:-2"}, [3, 4]),
            ({"chat": "telegram:-2", "include_drills": False}, [4]),
            ({"chat": "telegram:-1", "states": [State.ACTIVE]}, [2]),
            ({"chat": "telegram:-9"}, []),
        ],
    )
    async def test_list_incidents_filters(
        self, store: Store, filters: dict[str, Any], expected: list[int]
    ) -> None:
        table = [
            ("telegram:-1", False, None),
            ("telegram:-1", False, State.ACTIVE),
            ("telegram:-2", True, None),
            ("telegram:-2", False, State.CLOSED),
        ]
        for chat, drill, state in table:
            incident = await new_incident(store, chat=chat, is_drill=drill)
            if state is not None:
                await write(
                    store, lambda tx, i=incident, s=state: tx.update_incident(i.id, 0, state=s)
                )
        found = await store.list_incidents(**filters)
        assert [incident.number for incident in found] == expected

    async def test_reads_inside_the_own_transaction_see_its_writes(self, store: Store) -> None:
        async with store.transaction() as tx:
            incident = await tx.create_incident(
                plan_id="p", chat="c", reporter="r", description="d", reported_at=T0
            )
            assert await store.get_incident(incident.id) == incident
            with pytest.raises(RuntimeError, match="nest"):
                async with store.transaction():
                    pass
        with pytest.raises(RuntimeError, match="ended"):
            await tx.add_event(TimelineEvent(incident.id, T0, "late"))
        assert await store.timeline(incident.id) == []

    async def test_outbox_keeps_owed_messages_until_marked_sent(self, store: Store) -> None:
        incident = await new_incident(store)
        async with store.transaction() as tx:
            first = await tx.enqueue("telegram:-100", "card", {"n": 1}, T0, incident.id)
            second = await tx.enqueue("telegram:-200", "notice", {"key": "x"}, T0 + H)
        pending = await store.pending()
        assert [(i.id, i.chat, i.kind, i.payload) for i in pending] == [
            (first, "telegram:-100", "card", {"n": 1}),
            (second, "telegram:-200", "notice", {"key": "x"}),
        ]
        assert pending[0].incident_id == incident.id and pending[1].incident_id is None
        await write(store, lambda tx: tx.mark_sent(first, T0 + 2 * H, "msg-7"))
        assert [item.id for item in await store.pending()] == [second]
        assert [item.id for item in await store.pending(limit=0)] == []
        assert [item.id for item in await store.pending(transport="drill")] == []
        assert [item.id for item in await store.pending(transport="telegram")] == [second]
        with pytest.raises(NotFound):
            await write(store, lambda tx: tx.mark_sent(999, T0))

    async def test_the_last_outbox_id_bounds_what_is_owed_now(self, store: Store) -> None:
        assert await store.last_outbox_id() == 0
        ids = await owe(store, 3)
        await write(store, lambda tx: tx.mark_sent(ids[2], T0))
        assert await store.last_outbox_id() == ids[2]  # sent or not
        later = await owe(store, 1)
        assert later[0] > ids[2] and await store.last_outbox_id() == later[0]

    async def test_claims_are_kept_for_their_owner_until_released(self, store: Store) -> None:
        ids = await owe(store, 8)
        first = await store.claim("a", T0, limit=3, transport="telegram")
        assert [i.id for i in first] == ids[:3] and {i.claimed_by for i in first} == {"a"}
        assert [i.id for i in await store.claim("b", T0, limit=3)] == ids[3:6]
        again = await store.claim("a", T0 + H, limit=4, transport="telegram")
        assert [i.id for i in again] == [*ids[:3], ids[6]]  # its own first, then a new one
        assert await store.claim("a", T0, transport="drill") == []
        await write(store, lambda tx: tx.mark_sent(ids[0], T0))
        assert await write(store, lambda tx: tx.release_claims()) == 6  # the sent one stays
        assert [i.id for i in await store.claim("b", T0, limit=2)] == ids[1:3]
        assert [i.id for i in await store.pending()] == ids[1:]  # whoever claimed them

    async def test_a_message_written_claimed_is_its_owner_s_alone(self, store: Store) -> None:
        older = await owe(store, 1)
        async with store.transaction() as tx:
            mine = await tx.enqueue("telegram:-1", "notice", {"key": "x"}, T0, claimed_by="a")
            other = await tx.enqueue("telegram:-2", "notice", {"key": "y"}, T0, claimed_by="a")
        assert [i.id for i in await store.claim("b", T0)] == older  # never another's
        found = await store.claim("a", T0)
        assert [(i.id, i.claimed_by) for i in found] == [(mine, "a"), (other, "a")]
        owed = await store.owed_upto("telegram:-1", mine, 10)
        assert [(i.id, i.kind, i.payload) for i in owed] == [(mine, "notice", {"key": "x"})]
        assert await store.owed_upto("telegram:-1", mine - 1, 10) == []
        await write(store, lambda tx: tx.mark_sent(mine, T0, "m1"))
        assert await store.owed_upto("telegram:-1", mine, 10) == []
        assert [i.id for i in await store.owed_upto("telegram:-2", other, 1)] == [other]

    async def test_a_claim_per_chat_takes_each_chats_oldest_replies_and_reminders(
        self, store: Store
    ) -> None:
        async with store.transaction() as tx:
            owed = [  # chat -100 owes 4 reminders, then a reply; chat -200 one reminder
                await tx.enqueue(chat, kind, {}, T0 + i * H)
                for i, (chat, kind) in enumerate(
                    [("telegram:-100", "reminder")] * 4
                    + [("telegram:-100", "question"), ("telegram:-200", "reminder")]
                )
            ]
        taken = await store.claim("a", T0, limit=100, transport="telegram", per_chat=2)
        assert [i.id for i in taken] == [owed[0], owed[1], owed[4], owed[5]]
        assert {i.claimed_by for i in taken} == {"a"}
        assert [i.id for i in await store.claim("b", T0, per_chat=2)] == [owed[2], owed[3]]

    async def test_only_the_named_owners_claims_are_released(self, store: Store) -> None:
        ids = await owe(store, 6)
        await store.claim("a", T0, limit=2)
        await store.claim("b", T0, limit=2)
        await store.claim("c", T0, limit=1)
        await write(store, lambda tx: tx.mark_sent(ids[4], T0))  # c's only claim: sent
        assert await write(store, lambda tx: tx.claimers()) == {"a", "b"}
        assert await write(store, lambda tx: tx.release_claims(["b", "nobody"])) == 2
        assert await write(store, lambda tx: tx.claimers()) == {"a"}
        assert [i.id for i in await store.claim("d", T0)] == [ids[2], ids[3], ids[5]]
        assert await write(store, lambda tx: tx.release_claims([])) == 0

    async def test_a_parked_message_is_never_returned(self, store: Store) -> None:
        ids = await owe(store, 3)
        await store.claim("a", T0, limit=1)
        await write(store, lambda tx: tx.park(ids[0], T0 + H, "KeyError: 'level'"))
        await write(store, lambda tx: tx.park(ids[1], T0 + H, "ValueError"))
        assert [i.id for i in await store.pending()] == [ids[2]]
        assert [i.id for i in await store.claim("a", T0)] == [ids[2]]
        assert [i.id for i in await store.claim("b", T0)] == []
        await write(store, lambda tx: tx.release_claims())
        assert [i.id for i in await store.claim("b", T0)] == [ids[2]]
        parked = await store.parked()
        assert [(i.id, i.park_reason, i.parked_at) for i in parked] == [
            (ids[0], "KeyError: 'level'", T0 + H),
            (ids[1], "ValueError", T0 + H),
        ]
        assert await store.parked(transport="drill") == []
        with pytest.raises(NotFound):
            await write(store, lambda tx: tx.park(999, T0, "gone"))

    async def test_two_owners_claiming_at_once_never_share_a_message(
        self, store: Store, second: Store
    ) -> None:
        ids = await owe(store, 120)
        taken: dict[str, list[int]] = {"a": [], "b": []}

        async def work(owner: str, on: Store) -> None:
            while batch := await on.claim(owner, T0, limit=4, transport="telegram"):
                taken[owner] += [item.id for item in batch]
                async with on.transaction() as tx:
                    for item in batch:
                        await tx.mark_sent(item.id, T0)

        await asyncio.gather(work("a", store), work("b", second))
        assert not set(taken["a"]) & set(taken["b"])
        assert sorted(taken["a"] + taken["b"]) == ids  # every message once, none twice
        assert await store.pending() == []

    async def test_an_outbox_message_rolls_back_with_its_cause(self, store: Store) -> None:
        incident = await new_incident(store)
        with pytest.raises(Conflict):
            async with store.transaction() as tx:
                await tx.enqueue("telegram:-100", "card", {}, T0, incident.id)
                await tx.update_incident(incident.id, 5, level_id="major")
        assert await store.pending() == []

    async def test_wakeups_are_kept_until_the_incident_changes(self, store: Store) -> None:
        live = [State.REPORTED, State.ACTIVE]
        a = await new_incident(store, chat="telegram:-1")
        b = await new_incident(store, chat="drill:-1")
        due = await store.wakeups_due(T0, states=live)  # new incidents: not yet worked out
        assert [i.number for i in due] == [1, 2]
        drills = await store.wakeups_due(T0, states=live, transport="drill")
        assert [i.number for i in drills] == [2]
        assert await store.wakeups_due(T0, states=[]) == []
        await write(store, lambda tx: tx.set_wakeups({a.id: T0 + H}))
        await write(store, lambda tx: tx.set_wakeups({b.id: None}))  # nothing will fall due
        assert await store.wakeups_due(T0, states=live) == []
        assert [i.id for i in await store.wakeups_due(T0 + H, states=live)] == [a.id]
        assert await store.next_wakeup(states=live) == T0 + H
        assert await store.next_wakeup(states=live, transport="drill") is None
        assert await store.next_wakeup(states=[State.CLOSED]) is None
        ob = ObligationState("reply", "office", T0 + H)
        writes: list[Callable[[Tx], Awaitable[Any]]] = [
            lambda tx: tx.set_answer(a.id, "reach", "low", None, T0),
            lambda tx: tx.clear_answers(a.id),
            lambda tx: tx.save_obligations(a.id, [ob]),
            lambda tx: tx.set_obligation(a.id, "reply", sent=1),
            lambda tx: tx.update_incident(a.id, 0, state=State.ACTIVE),
        ]
        for change in writes:  # each write forgets the wake-up: due again, until worked out
            await write(store, lambda tx: tx.set_wakeups({a.id: T0 + H}))
            await write(store, change)
            assert [i.id for i in await store.wakeups_due(T0, states=live)] == [a.id]
            assert await store.next_wakeup(states=live) is None
        await write(store, lambda tx: tx.update_incident(a.id, 1, state=State.CLOSED))
        assert await store.wakeups_due(T0, states=list(State)) == []  # over: never again

    async def test_a_transaction_cancelled_half_way_leaves_the_store_usable(
        self, store: Store
    ) -> None:
        # A task cancelled while a statement is queued (at shutdown, or a caller giving up):
        # the statement still runs afterwards; the next transaction must not trip over it.
        for spins in range(40):

            async def work(spins: int = spins) -> None:
                async with store.transaction() as tx:
                    await tx.kv_set("n", "a", spins, T0)
                    await asyncio.sleep(0)
                    await tx.kv_set("n", "b", spins, T0)

            task = asyncio.create_task(work())
            for _ in range(spins):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await write(store, lambda tx, spins=spins: tx.kv_set("n", "ok", spins, T0))
            assert await store.kv_get("n", "ok") == spins
            assert await store.kv_get("n", "b") in (None, *range(spins + 1))


class TestSqliteStore:
    """What is specific to the SQLite file: pragmas, triggers, migrations and file problems."""

    async def test_wal_and_foreign_keys_are_on(self, tmp_path: Path) -> None:
        async with await SqliteStore.open(tmp_path / "a.db", busy_timeout=2.5) as store:
            assert await store.pragma("journal_mode") == "wal"
            assert await store.pragma("foreign_keys") == 1
            assert await store.pragma("synchronous") == 2  # FULL: a commit is on disk
            async with store.transaction(durable=False):
                assert await store.pragma("synchronous") == 1  # NORMAL: synced by the next FULL
            async with store.transaction():
                assert await store.pragma("synchronous") == 2  # set again for a durable one
            async with store.transaction(durable=False):
                assert await store.pragma("synchronous") == 1
            with riders.scope():
                riders.aboard(lambda tx: tx.claim_update("telegram:1", T0))
                async with store.transaction(durable=False):
                    assert await store.pragma("synchronous") == 2  # it carries an update's mark
            event = TimelineEvent(999, T0, "orphan")
            with pytest.raises(StoreError) as caught:
                await write(store, lambda tx: tx.add_event(event))
            assert "FOREIGN KEY" in caught.value.params["detail"]
            with pytest.raises(ValueError):
                await store.pragma("user_version; DROP TABLE kv")

    @pytest.mark.parametrize("table", ["timeline", "approvals"])
    @pytest.mark.parametrize(
        "statement", ["UPDATE {table} SET kind = 'forged'", "DELETE FROM {table}"]
    )
    async def test_audit_tables_are_append_only(
        self, tmp_path: Path, table: str, statement: str
    ) -> None:
        path = tmp_path / "a.db"
        async with await SqliteStore.open(path) as store:
            incident = await new_incident(store)
            async with store.transaction() as tx:
                await tx.add_event(TimelineEvent(incident.id, T0, "reported"))
                await tx.add_approval(
                    incident.id, kind="confirm", decision="approved", actor="a", at=T0
                )
        with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError, match="append"):
            raw.execute(statement.format(table=table))
        async with await SqliteStore.open(path) as store:
            assert [e.kind for e in await store.timeline(incident.id)] == ["reported"]
            assert len(await store.approvals(incident.id)) == 1

    async def test_a_fresh_file_gets_the_latest_version_and_reopening_keeps_data(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "a.db"
        async with await SqliteStore.open(path) as store:
            assert await store.pragma("user_version") == latest_version() >= 1
            incident = await new_incident(store)
        async with await SqliteStore.open(path) as store:
            assert await store.get_incident(incident.id) == incident
            assert (await new_incident(store)).number == 2

    async def test_a_new_migration_is_applied_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "a.db"
        await (await SqliteStore.open(path)).close()
        extra = "CREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('x;y');\n"
        monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
        for _ in range(2):
            async with await SqliteStore.open(path) as store:
                assert await store.pragma("user_version") == len(schema.MIGRATIONS)
        with sqlite3.connect(path) as raw:
            assert raw.execute("SELECT body FROM notes").fetchall() == [("x;y",)]

    async def test_the_wakeups_migration_marks_live_incidents_unknown(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "a.db"
        with monkeypatch.context() as patch:
            patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
            await (await SqliteStore.open(path)).close()
        with sqlite3.connect(path) as raw:  # incidents as version 2 wrote them
            for number, state in ((1, "active"), (2, "closed")):
                raw.execute(
                    "INSERT INTO incidents (number, plan_id, chat, state, reporter, description,"
                    " reported_at, lang) VALUES (?, 'p', 'telegram:-1', ?, 'telegram:1', 'x',"
                    " ?, 'zh_CN')",
                    (number, state, T0.isoformat()),
                )
        async with await SqliteStore.open(path) as store:
            due = await store.wakeups_due(T0, states=list(State))
            assert [i.number for i in due] == [1]

    async def test_the_claims_migration_keeps_owed_messages_owed(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "a.db"
        with monkeypatch.context() as patch:
            patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:3])
            await (await SqliteStore.open(path)).close()
        with sqlite3.connect(path) as raw:  # written by the version before claims
            raw.execute(
                "INSERT INTO outbox (chat, kind, payload, created_at)"
                " VALUES ('telegram:-1', 'notice', '{}', ?)",
                (T0.isoformat(),),
            )
        async with await SqliteStore.open(path) as store:
            assert await store.pragma("user_version") >= 4
            owed = await store.claim("a", T0)
            assert [(i.chat, i.claimed_by, i.parked_at) for i in owed] == [
                ("telegram:-1", "a", None)
            ]

    async def test_a_failing_migration_changes_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "a.db"
        await (await SqliteStore.open(path)).close()
        broken = "CREATE TABLE half (a);\nINSERT INTO missing VALUES (1);\n"
        monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
        with pytest.raises(StoreError) as caught:
            await SqliteStore.open(path)
        assert caught.value.key == "error.store_migration"
        assert caught.value.params["version"] == len(schema.MIGRATIONS)
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA user_version").fetchone() == (len(schema.MIGRATIONS) - 1,)
            tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert "half" not in tables and "incidents" in tables

    async def test_a_newer_database_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "a.db"
        await (await SqliteStore.open(path)).close()
        with sqlite3.connect(path) as raw:
            raw.execute(f"PRAGMA user_version = {latest_version() + 1}")
        with pytest.raises(StoreError) as caught:
            await SqliteStore.open(path)
        assert caught.value.key == "error.store_newer"
        assert caught.value.params["found"] == latest_version() + 1
        assert caught.value.params["supported"] == latest_version()

    @pytest.mark.parametrize(
        ("make", "key"),
        [
            (lambda tmp: tmp / "text.db", "error.store_not_database"),
            (lambda tmp: tmp / "folder.db", "error.store_unreadable"),
            (lambda tmp: tmp / "no-such-folder" / "a.db", "error.store_unreadable"),
        ],
        ids=["text-file", "directory", "no-folder"],
    )
    async def test_unusable_files_raise_store_errors(
        self, tmp_path: Path, make: Callable[[Path], Path], key: str
    ) -> None:
        (tmp_path / "text.db").write_bytes(b"not a database, just text\n" * 100)
        (tmp_path / "folder.db").mkdir()
        path = make(tmp_path)
        with pytest.raises(StoreError) as caught:
            await SqliteStore.open(path)
        assert caught.value.key == key
        assert caught.value.params["path"] == str(path)
        assert isinstance(caught.value.__cause__, sqlite3.Error)  # wrapped, never raised raw

    async def test_a_locked_database_gives_store_locked(self, tmp_path: Path) -> None:
        path = tmp_path / "a.db"
        async with await SqliteStore.open(path, busy_timeout=0.1) as store:
            incident = await new_incident(store)
            other = sqlite3.connect(path, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                with pytest.raises(StoreError) as caught:
                    await new_incident(store)
                assert caught.value.key == "error.store_locked"
                assert await store.get_incident(incident.id) == incident  # WAL: reads go on
            finally:
                other.execute("ROLLBACK")
                other.close()
            assert (await new_incident(store)).number == 2

    async def test_a_lock_is_waited_for_without_stalling_the_event_loop(
        self, tmp_path: Path
    ) -> None:
        # The other program lets go from a callback on this loop: were the wait a blocking
        # one inside SQLite, the callback could not run before the busy timeout ran out.
        path = tmp_path / "a.db"
        async with await SqliteStore.open(path, busy_timeout=30) as store:
            other = sqlite3.connect(path, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                asyncio.get_running_loop().call_later(0.2, other.execute, "ROLLBACK")
                incident = await new_incident(store)
                assert not other.in_transaction
                assert await store.get_incident(incident.id) == incident
            finally:
                other.close()

    async def test_a_locked_fresh_file_cannot_be_opened(self, tmp_path: Path) -> None:
        path = tmp_path / "a.db"
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            with pytest.raises(StoreError) as caught:
                await SqliteStore.open(path, busy_timeout=0.1)
            assert caught.value.key == "error.store_locked"
        finally:
            other.close()

    async def test_a_read_only_copy_reads_but_refuses_writes(self, tmp_path: Path) -> None:
        path, copy = tmp_path / "a.db", tmp_path / "copy.db"
        async with await SqliteStore.open(path) as store:
            incident = await new_incident(store)
        shutil.copy(path, copy)
        copy.chmod(0o444)
        modes = [True] if os.geteuid() == 0 else [True, False]  # root ignores file modes
        for read_only in modes:
            async with await SqliteStore.open(copy, read_only=read_only) as store:
                assert await store.get_incident(incident.id) == incident
                with pytest.raises(StoreError) as caught:
                    await new_incident(store)
                assert caught.value.key == "error.store_readonly"
                assert await store.list_incidents() == [incident]

    async def test_read_only_needs_an_existing_current_database(self, tmp_path: Path) -> None:
        with pytest.raises(StoreError) as caught:
            await SqliteStore.open(tmp_path / "absent.db", read_only=True)
        assert caught.value.key == "error.store_unreadable"
        empty = tmp_path / "empty.db"
        sqlite3.connect(empty).close()
        with pytest.raises(StoreError) as caught:
            await SqliteStore.open(empty, read_only=True)
        assert caught.value.key == "error.store_readonly"

    async def test_a_closed_store_says_so(self, tmp_path: Path) -> None:
        store = await SqliteStore.open(tmp_path / "a.db")
        await store.close()
        await store.close()  # idempotent
        with pytest.raises(StoreError) as caught:
            await store.get_incident(1)
        assert caught.value.key == "error.store_closed"
        with pytest.raises(StoreError):
            await new_incident(store)


@pytest.mark.parametrize(
    ("key", "params"),
    [
        ("error.store_unreadable", {"path": "/x.db", "detail": "d"}),
        ("error.store_not_database", {"path": "/x.db", "detail": "d"}),
        ("error.store_corrupt", {"path": "/x.db", "detail": "d"}),
        ("error.store_locked", {"path": "/x.db", "detail": "d"}),
        ("error.store_newer", {"path": "/x.db", "detail": "d", "found": 9, "supported": 1}),
        ("error.store_readonly", {"path": "/x.db", "detail": "d"}),
        ("error.store_full", {"path": "/x.db", "detail": "d"}),
        ("error.store_migration", {"path": "/x.db", "detail": "d", "version": 2}),
        ("error.store_conflict", {"number": 3, "expected": 0, "actual": 1, "id": 5}),
        ("error.store_not_found", {"item": "incident 5"}),
        ("error.store_closed", {"path": "/x.db", "detail": "closed"}),
        ("error.store_unreachable", {"path": "postgresql://h/db", "detail": "refused"}),
        ("error.store_url", {"path": "postgresql://h/db", "detail": "bad port"}),
    ],
)
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_store_errors_render_in_every_language(key: str, params: dict[str, Any], lang: str) -> None:
    text = Translator(lang)(key, **params)
    assert text != key and "{" not in text
