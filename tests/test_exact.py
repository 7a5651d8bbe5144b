"""Incidents as a transaction committed them (bot/store/exact.py), on every store.

Whatever a run of transactions does to an incident — create it, read it, write any of its
rows, in any order, committed or rolled back — an incident handed over as known equals what
the store reads back after the commit. Hypothesis draws the runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import T0
from test_store import new_incident

from bot.domain.incident import Incident
from bot.domain.lifecycle import State
from bot.domain.obligations import ObligationState, ObStatus
from bot.store import SqliteStore, Store, Tx, exact

H = timedelta(hours=1)


class Undone(Exception):
    """Raised inside a transaction to roll it back."""


Step = Callable[[Store, Tx, Incident], Awaitable[None]]


async def read(store: Store, tx: Tx, incident: Incident) -> None:
    await store.get_incident(incident.id)


async def answer(store: Store, tx: Tx, incident: Incident) -> None:
    await tx.set_answer(incident.id, "spread", "wide", "telegram:42", T0 + H)


async def grade(store: Store, tx: Tx, incident: Incident) -> None:
    current = await store.get_incident(incident.id)
    assert current is not None
    await tx.update_incident(current.id, current.version, state=State.GRADED, level_id="II")


async def oblige(store: Store, tx: Tx, incident: Incident) -> None:
    due = ObligationState("report_up", "office", T0 + 2 * H)
    await tx.save_obligations(incident.id, [due])


async def meet(store: Store, tx: Tx, incident: Incident) -> None:
    current = await store.get_incident(incident.id)
    assert current is not None
    if any(state.id == "report_up" for state in current.obligations):
        await tx.set_obligation(incident.id, "report_up", status=ObStatus.MET, met_at=T0 + H)


async def forget_answers(store: Store, tx: Tx, incident: Incident) -> None:
    await tx.clear_answers(incident.id)


async def unrelated(store: Store, tx: Tx, incident: Incident) -> None:
    await tx.kv_set("n", f"k{incident.id}", 1, T0)


STEPS: dict[str, Step] = {
    "read": read,
    "answer": answer,
    "grade": grade,
    "oblige": oblige,
    "meet": meet,
    "forget_answers": forget_answers,
    "unrelated": unrelated,
}

transactions = st.lists(
    st.tuples(st.lists(st.sampled_from(sorted(STEPS)), max_size=5), st.booleans()),
    min_size=1,
    max_size=4,
)


async def transact(store: Store, incident: Incident, *steps: str, undo: bool = False) -> None:
    """The named steps in one transaction; rolled back (raising Undone) when ``undo``."""
    async with store.transaction() as tx:
        for name in steps:
            await STEPS[name](store, tx, incident)
        if undo:
            raise Undone


async def run(
    store: Store, incident: Incident, txs: list[tuple[list[str], bool]]
) -> dict[int, Any]:
    """Each transaction's steps (rolled back when its flag is set), collected together."""
    with exact.collecting() as sink:
        for steps, undo in txs:
            with contextlib.suppress(Undone):
                await transact(store, incident, *steps, undo=undo)
            if incident.id in sink:
                assert sink[incident.id] == await store.get_incident(incident.id)
    return sink


class TestExact:
    async def test_a_new_incident_is_known_as_committed(self, store: Store) -> None:
        with exact.collecting() as sink:
            created = await new_incident(store)
        assert sink == {created.id: await store.get_incident(created.id)}

    async def test_a_write_after_the_read_makes_it_unknown_and_a_read_known_again(
        self, store: Store
    ) -> None:
        incident = await new_incident(store)
        with exact.collecting() as sink:
            await transact(store, incident, "read", "answer")
            assert incident.id not in sink
            await transact(store, incident, "answer", "read")
            assert sink[incident.id] == await store.get_incident(incident.id)
            assert sink[incident.id].answers  # the answer is in what is known

    async def test_a_rollback_hands_over_nothing_and_keeps_what_was_known(
        self, store: Store
    ) -> None:
        incident = await new_incident(store)
        with exact.collecting() as sink:
            await transact(store, incident, "read")
            known = sink[incident.id]
            with pytest.raises(Undone):
                await transact(store, incident, "answer", "read", undo=True)
            assert sink == {incident.id: known}

    async def test_reads_outside_a_transaction_and_outside_collecting_leave_nothing(
        self, store: Store
    ) -> None:
        incident = await new_incident(store)
        with exact.collecting() as sink:
            await store.get_incident(incident.id)  # not a transaction's: not vouched for
        assert sink == {}
        await transact(store, incident, "read")  # nobody collects: nothing kept anywhere

    async def test_another_task_s_read_during_the_transaction_is_not_vouched_for(
        self, store: Store
    ) -> None:
        if isinstance(store, SqliteStore):
            pytest.skip("on SQLite another task's read waits for the transaction to end")
        incident = await new_incident(store)
        with exact.collecting() as sink:
            async with store.transaction() as tx:
                await answer(store, tx, incident)
                # a snapshot of its own, without the answer this transaction wrote
                seen = await asyncio.create_task(store.get_incident(incident.id))
                assert seen is not None and not seen.answers
        assert incident.id not in sink

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(txs=transactions)
    async def test_whatever_the_transactions_did_what_is_known_is_what_was_committed(
        self, store: Store, txs: list[tuple[list[str], bool]]
    ) -> None:
        incident = await new_incident(store)
        sink = await run(store, incident, txs)
        assert set(sink) <= {incident.id}
