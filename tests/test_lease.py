"""The leader lease on a real PostgreSQL server: one holder, handed over when it goes.

Two leases on one database stand for two ``yuqing-bot run`` processes (each its own token);
a third connection plays the server killing a session, as it does when a host vanishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from conftest import pg_database
from fake_messenger import NAME, FakeMessenger
from support import PLAN_TEXT, T0, small_plan

from bot.leadership import Leadership, SoloLease
from bot.service.clock import ManualClock
from bot.service.owners import TOKEN, new_owner, token_of
from bot.service.plans import PlanBook
from bot.service.running import Running
from bot.store.pglease import ALIVE, CHECK_EVERY, CHECK_TIMEOUT, PgLease
from bot.store.postgres import PgStore

A, B = 0x1111, 0x2222  # two processes' tokens


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    """Wait until ``check()`` holds (a bounded wait, polled)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


@pytest.fixture
async def url(tmp_path: Path) -> str:
    return await pg_database(tmp_path)


@pytest.fixture
async def leases(url: str) -> AsyncIterator[list[PgLease]]:
    made = [PgLease(url, A), PgLease(url, B)]
    yield made
    for lease in made:
        await lease.close()


async def test_one_process_leads_and_another_takes_over_once_it_closes(
    leases: list[PgLease],
) -> None:
    first, second = leases
    assert await first.take() and first.held
    assert not await second.take() and not second.held
    assert await second.leader_alive()  # seen from the follower: someone leads
    assert await first.take()  # taking again what one holds is still holding it
    await first.close()
    await until(second.take)
    assert second.held and not await first.take()


async def test_a_session_the_server_ends_is_a_lost_lease_and_frees_the_lock(
    url: str, leases: list[PgLease]
) -> None:
    first, second = leases
    assert await first.take()
    assert await _end_session(url, A) == 1
    # the leader notices within its check, not after any server timeout
    async with asyncio.timeout(CHECK_EVERY + CHECK_TIMEOUT + 5):
        assert await first.kept(60) is False
    assert not first.held
    await until(second.take)
    assert not await first.take()  # it reconnects as a follower


async def test_a_leader_keeps_its_lease_while_its_connection_answers(
    leases: list[PgLease],
) -> None:
    first, _ = leases
    assert await first.take()
    assert await first.kept(2 * CHECK_EVERY + 0.5)  # several checks, all answered
    assert first.held


async def test_claimers_are_gone_when_no_running_process_holds_their_token(
    url: str, leases: list[PgLease]
) -> None:
    first, second = leases
    await first.take()
    await second.take()  # a follower's connection also says its process lives
    owners = {"h:1:00001111:aa", "h:2:00002222:bb", "h:3:00003333:cc", "old-host:4:dd"}
    assert await first.gone(owners) == {"h:3:00003333:cc", "old-host:4:dd"}
    await second.close()
    await until(lambda: _gone_is(first, owners, 3))
    assert await first.gone(set()) == set()


async def _gone_is(lease: PgLease, owners: set[str], count: int) -> bool:
    return len(await lease.gone(owners)) == count


async def test_a_notify_from_one_process_is_heard_by_the_other(
    leases: list[PgLease],
) -> None:
    first, second = leases
    heard = asyncio.Event()
    first.listen(heard.set)
    assert await first.take()
    await second.notify()
    async with asyncio.timeout(10):
        await heard.wait()


async def test_an_unreachable_server_is_no_lease_not_an_error(tmp_path: Path) -> None:
    lease = PgLease(f"postgresql://nobody@/none?host={tmp_path}&port=9", A)
    try:
        assert await lease.take() is False
        await lease.notify()  # lost, said nowhere: the leader looks by itself anyway
    finally:
        await lease.close()


async def test_the_leader_frees_only_the_claims_of_processes_that_are_gone(
    url: str, leases: list[PgLease]
) -> None:
    first, second = leases
    store = await PgStore.open(url)
    try:
        async with store.transaction() as tx:
            for n in range(4):
                await tx.enqueue("telegram:-100", "notice", {"key": "x", "n": n}, T0)
        await first.take()
        await second.take()
        alive, dead = "h:2:00002222:bb", "h:9:00009999:ee"
        await store.claim(alive, T0, limit=2)
        await store.claim(dead, T0, limit=2)
        async with store.transaction() as tx:
            gone = await first.gone(await tx.claimers())
            assert gone == {dead}
            assert await tx.release_claims(gone) == 2
        assert {i.claimed_by for i in await store.pending()} == {alive, None}
    finally:
        await store.close()


def test_owner_ids_carry_their_process_token() -> None:
    owner = new_owner()
    assert token_of(owner) == TOKEN and new_owner() != owner
    assert token_of("host:12:abcd1234") is None  # an id from before the token
    assert token_of("host:12:zz:ab") is None


async def test_the_solo_lease_leads_and_finds_other_processes_claims_gone() -> None:
    solo = SoloLease()
    assert await solo.take() and await solo.leader_alive()
    mine, old = new_owner(), "host:12:abcd1234"
    assert await solo.gone({mine, old}) == {old}


async def test_a_leader_that_loses_its_lease_stops_its_loops_and_frees_its_own_claims(
    url: str,
) -> None:
    store = await PgStore.open(url)
    lease = PgLease(url, TOKEN)
    guard: asyncio.Task[None] | None = None
    try:
        plans = PlanBook([small_plan(PLAN_TEXT)])
        running = Running.of(store, plans, ManualClock(T0), [FakeMessenger()])
        starts, stops = [], []

        async def stop() -> None:
            stops.append(running.leading)

        leadership = Leadership(lease, running, lambda: starts.append(1), stop)
        await leadership.begin()
        assert running.leading and starts == [1]
        async with store.transaction() as tx:
            await tx.enqueue(f"{NAME}:-1", "notice", {"key": "x"}, T0)
        owner = running.deliveries[NAME].owner
        assert [i.claimed_by for i in await store.claim(owner, T0)] == [owner]
        guard = asyncio.create_task(leadership.run())
        assert await _end_session(url, TOKEN) == 1
        await until(lambda: _settled(starts, stops))
        assert stops == [False]  # it stopped its loops after it had stopped leading
        assert [i.claimed_by for i in await store.pending()] == [None]
    finally:
        if guard is not None:
            guard.cancel()
            await asyncio.gather(guard, return_exceptions=True)
        await lease.close()
        await store.close()


async def _settled(starts: list[int], stops: list[bool]) -> bool:
    """Lost, followed and led again (the only process: it takes the lease back)."""
    return len(stops) == 1 and len(starts) == 2


async def _end_session(url: str, token: int) -> int:
    """End the server session holding ``token``'s ALIVE lock (its lease connection)."""
    admin = await asyncpg.connect(url)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = "
                "'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted",
                ALIVE,
                token,
            )
        )
    finally:
        await admin.close()
