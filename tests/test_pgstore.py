"""What is specific to PostgreSQL: selection by URL, its migrations, a server going away.

Runs against real throwaway clusters (tests/pg_support.py); skipped, saying why, where the
PostgreSQL binaries are missing.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from conftest import pg_cluster, pg_database
from pg_support import Cluster, find_bin
from pydantic import ValidationError
from support import T0

from bot.domain.errors import StoreError, StoreUnavailable
from bot.domain.incident import TimelineEvent
from bot.settings import Settings
from bot.store import SqliteStore, latest_version, pgkv, pgschema, schema
from bot.store.opening import open_store
from bot.store.postgres import PgStore


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database in the session's cluster."""
    yield await pg_database(tmp_path)


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A cluster of the test's own, to stop and start."""
    found = find_bin()
    if isinstance(found, str):
        pytest.skip(found)
    cluster = Cluster.create(found)
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_both_engines_have_every_schema_version() -> None:
    assert len(pgschema.PG_MIGRATIONS) == len(schema.MIGRATIONS) == latest_version()


async def test_a_url_opens_postgresql_and_a_path_sqlite(url: str, tmp_path: Path) -> None:
    async with await open_store(url) as server:
        assert isinstance(server, PgStore)
        assert "postgresql://" in server.where
    async with await open_store(tmp_path / "a.db") as file:
        assert isinstance(file, SqliteStore)


@pytest.mark.parametrize(
    "value",
    ["postgresql://u:pw@db.example:5432/yuqing", "postgres:///yuqing?host=/run/pg", "data/y.db"],
)
def test_the_database_setting_takes_a_server_url_or_a_file(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_DATABASE", value)
    assert Settings(_env_file=None).database == value  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "value", ["mysql://h/db", "postgresql://h:99999/db", "postgresql://h/", "postgresql://h/a b"]
)
def test_a_bad_database_setting_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_DATABASE", value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_a_fresh_database_gets_every_version_once(url: str) -> None:
    for _ in range(2):
        async with await PgStore.open(url):
            pass
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetch("SELECT version FROM yuqing_schema") == [(latest_version(),)]
        # wake-up rows are rewritten on every write: vacuumed after a fixed count, not 20%
        options = await conn.fetchval("SELECT reloptions FROM pg_class WHERE relname = 'wakeups'")
        assert "autovacuum_vacuum_scale_factor=0.0" in options
    finally:
        await conn.close()


async def test_a_failing_migration_changes_nothing(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await (await PgStore.open(url)).close()
    broken = "CREATE TABLE half (a INTEGER); INSERT INTO missing VALUES (1);"
    monkeypatch.setattr(pgschema, "PG_MIGRATIONS", (*pgschema.PG_MIGRATIONS, broken))
    with pytest.raises(StoreError) as caught:
        await PgStore.open(url)
    assert caught.value.key == "error.store_migration"
    assert caught.value.params["version"] == latest_version() + 1
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT version FROM yuqing_schema") == latest_version()
        assert await conn.fetchval("SELECT to_regclass('half')") is None
    finally:
        await conn.close()


async def test_a_newer_database_is_refused(url: str) -> None:
    await (await PgStore.open(url)).close()
    conn = await asyncpg.connect(url)
    await conn.execute("UPDATE yuqing_schema SET version = version + 1")
    await conn.close()
    with pytest.raises(StoreError) as caught:
        await PgStore.open(url)
    assert caught.value.key == "error.store_newer"
    assert caught.value.params["found"] == latest_version() + 1


async def test_the_audit_tables_are_append_only(url: str) -> None:
    async with await PgStore.open(url) as store:
        async with store.transaction() as tx:
            incident = await tx.create_incident(
                plan_id="p", chat="c", reporter="r", description="d", reported_at=T0
            )
            await tx.add_approval(
                incident.id, kind="confirm", decision="approved", actor="a", at=T0
            )
            await tx.add_event(TimelineEvent(incident.id, T0, "reported"))
        for statement in ("UPDATE approvals SET actor = 'x'", "DELETE FROM timeline"):
            with pytest.raises(StoreError, match="append-only"):
                async with store.transaction() as tx:
                    await tx.db.execute(statement)


async def test_read_only_reads_but_refuses_writes(url: str) -> None:
    await (await PgStore.open(url)).close()
    async with await PgStore.open(url, read_only=True) as store:
        assert await store.list_incidents() == []
        with pytest.raises(StoreError) as caught:
            async with store.transaction() as tx:
                await tx.kv_set("n", "k", 1, T0)
        assert caught.value.key == "error.store_readonly"


async def test_an_unreachable_server_is_unavailable(tmp_path: Path) -> None:
    pg_cluster()  # skips, saying why, where PostgreSQL is missing
    with pytest.raises(StoreUnavailable) as caught:
        await PgStore.open(f"postgresql://nobody@/db?host={tmp_path}&port=1")
    assert caught.value.key == "error.store_unreachable"
    assert "postgresql://" in caught.value.params["path"]


async def test_a_server_restart_is_unavailable_then_recovers(own_cluster: Cluster) -> None:
    url = await own_cluster.create_database("y")
    async with await PgStore.open(url, pool_size=2) as store:
        async with store.transaction() as tx:
            await tx.kv_set("n", "before", 1, T0)
        own_cluster.stop()
        with pytest.raises(StoreUnavailable) as caught:
            await store.kv_get("n", "before")
        assert caught.value.key == "error.store_unreachable"
        own_cluster.start()
        for _ in range(3):  # a connection the pool still held may fail once more
            try:
                value = await store.kv_get("n", "before")
                break
            except StoreUnavailable:
                continue
        assert value == 1
        async with store.transaction() as tx:
            await tx.kv_set("n", "after", 2, T0)
        assert await store.kv_get("n", "after") == 2


async def test_a_read_of_one_statement_opens_no_transaction(url: str) -> None:
    async with await PgStore.open(url) as store:
        async with store._statement() as db:  # autocommit: the statement is its own transaction
            assert await db.scalar("SELECT 1") == 1
            assert not db.conn.is_in_transaction()
        async with store._reading() as db:  # a snapshot: BEGIN came first
            assert await db.scalar("SHOW transaction_isolation") == "repeatable read"
            assert db.conn.is_in_transaction()
        async with store.transaction() as tx:
            await tx.kv_set("n", "k", 1, T0)
            async with store._statement() as db:  # inside a transaction: that one
                assert await db.scalar("SELECT value FROM kv WHERE key = 'k'") is not None


async def test_a_pooled_connection_goes_back_as_it_was_taken(url: str) -> None:
    """The pool skips asyncpg's reset query: nothing may outlive its transaction."""

    async def leftovers(store: PgStore) -> tuple[str, int, bool]:
        """The settings, advisory locks and open transaction the next user would find."""
        async with store._statement() as db:
            sync = await db.scalar("SHOW synchronous_commit")
            locks = await db.scalar(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid()"
            )
            return sync, locks, db.conn.is_in_transaction()

    async with await PgStore.open(url, pool_size=1) as store:  # one connection, used by all
        async with store.transaction(durable=False) as tx:
            await tx.kv_set("n", "k", 1, T0)
        assert await leftovers(store) == ("on", 0, False)
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.kv_set("n", "k", 2, T0)
                raise RuntimeError("the use case failed")
        assert await leftovers(store) == ("on", 0, False)
        assert await store.kv_get("n", "k") == 1


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Wait until ``check()`` holds (AssertionError after ``seconds``)."""
    for _ in range(int(seconds / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{check} never held")


async def _raw_set(url: str, namespace: str, key: str, value: str, *, heard: bool) -> None:
    """Write a kv row as another program would; with ``heard`` False, the trigger that tells
    listeners is off for it (so only a read of the database can find the change)."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            if not heard:
                await conn.execute("ALTER TABLE kv DISABLE TRIGGER kv_changed")
            await conn.execute(
                "INSERT INTO kv (namespace, key, value, updated_at) VALUES ($1, $2, $3, 'x')"
                " ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
                namespace,
                key,
                json.dumps(value),
            )
            if not heard:
                await conn.execute("ALTER TABLE kv ENABLE TRIGGER kv_changed")
    finally:
        await conn.close()


async def test_a_kept_namespace_is_answered_from_memory_until_a_change_is_heard(
    url: str,
) -> None:
    async with await PgStore.open(url) as store:
        store._kv._now = lambda: 0.0  # the listener counts as answering throughout
        await store.keep({"chat_lang"})
        await _raw_set(url, "chat_lang", "telegram:-1", "zh_CN", heard=True)
        await _eventually(lambda: _remembers(store, "zh_CN"))
        await _raw_set(url, "chat_lang", "telegram:-1", "en", heard=False)
        await asyncio.sleep(0.2)
        assert await store.kv_get("chat_lang", "telegram:-1") == "zh_CN"  # memory: unheard
        await _raw_set(url, "chat_lang", "telegram:-2", "en", heard=True)  # the namespace changed
        await _eventually(lambda: _reads(store, "en"))


async def _reads(store: PgStore, lang: str) -> bool:
    return bool(await store.kv_get("chat_lang", "telegram:-1") == lang)


async def test_without_its_listening_connection_a_kept_namespace_is_read_from_the_database(
    url: str,
) -> None:
    async with await PgStore.open(url) as store:
        await store.keep({"chat_lang"})
        await _raw_set(url, "chat_lang", "telegram:-1", "zh_CN", heard=True)
        await _eventually(lambda: _reads(store, "zh_CN"))
        killer = await asyncpg.connect(url)
        try:
            killed = await killer.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'yuqing-bot kv'"
            )
        finally:
            await killer.close()
        assert killed == 1
        await _raw_set(url, "chat_lang", "telegram:-1", "en", heard=False)
        await _eventually(lambda: _reads(store, "en"))  # the loss noticed: the database answers
        await _eventually(lambda: _listening(store))  # listening again, within a second or so
        await _raw_set(url, "chat_lang", "telegram:-1", "fr", heard=True)
        await _eventually(lambda: _reads(store, "fr"))


async def _listening(store: PgStore) -> bool:
    await store.kv_get("chat_lang", "telegram:-1")  # a read starts the attempt when it is due
    return store._kv.usable()


async def _remembers(store: PgStore, lang: str) -> bool:
    """Whether the language is read, and from memory (a read of the database, made while the
    listener is not yet trusted or a change is in flight, is not kept)."""
    read = await _reads(store, lang)
    kept = store._kv.cache.get("chat_lang")
    return read and store._kv.usable() and kept is not None and lang in kept.get("telegram:-1", "")


async def test_memory_answers_only_while_the_listener_answered_lately(url: str) -> None:
    now = [0.0]
    async with await PgStore.open(url) as store:
        store._kv._now = lambda: now[0]
        await store.keep({"chat_lang"})
        await _raw_set(url, "chat_lang", "telegram:-1", "zh_CN", heard=True)
        await _eventually(lambda: _remembers(store, "zh_CN"))
        await _raw_set(url, "chat_lang", "telegram:-1", "en", heard=False)
        assert await store.kv_get("chat_lang", "telegram:-1") == "zh_CN"
        now[0] += pgkv.FRESH  # silent for too long: not trusted until it answers a ping
        assert await store.kv_get("chat_lang", "telegram:-1") == "en"
        await _eventually(lambda: _listening(store))  # answered: memory again
        assert store._kv.cache.get("chat_lang") is not None


async def test_kept_namespaces_come_back_after_a_server_restart(own_cluster: Cluster) -> None:
    url = await own_cluster.create_database("y")
    async with await PgStore.open(url, pool_size=2) as store:
        await store.keep({"chat_lang"})
        async with store.transaction() as tx:
            await tx.kv_set("chat_lang", "telegram:-1", "zh_CN", T0)
        assert await store.kv_get("chat_lang", "telegram:-1") == "zh_CN"
        own_cluster.stop()
        await _eventually(_lost(store))  # the listening connection's end is noticed
        own_cluster.start()
        await _raw_set(url, "chat_lang", "telegram:-1", "en", heard=False)  # while deaf
        await _eventually(lambda: _reads(store, "en"))
        await _eventually(lambda: _listening(store))
        assert await store.kv_get("chat_lang", "telegram:-1") == "en"  # memory emptied on return


def _lost(store: PgStore) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return store._kv._conn is None

    return check
