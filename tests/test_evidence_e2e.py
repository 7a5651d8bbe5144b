"""The evidence archive end to end: files sent in the group, fetched over the fake Bot API."""

from __future__ import annotations

import asyncio
import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbswitch import database, database_settings, open_db
from e2e_support import CLERK, GROUP, PLANS, people, running
from evidence_support import report_general, settled, status, tried
from fakeapi import FakeBotAPI

from bot.cli import run
from bot.domain.evidence import Kept
from bot.export.command import facts_of
from bot.service.plans import PlanBook
from bot.service.shelf import Shelf
from bot.settings import Settings


@pytest.fixture(autouse=True)
def poked_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender looks at the outbox only when poked: what the archive tells must poke it."""
    monkeypatch.setattr("bot.service.delivery.IDLE_SECONDS", 3600.0)


PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
VOICE = b"OggS" + b"\x01voice" * 300


async def test_a_photo_report_is_kept_listed_exported_and_archived(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, db) as app:
            await report_general(tg, photo=PHOTO)
            tg.send_message(GROUP, CLERK, voice=VOICE, caption="/update 1 现场录音")
            kept = await settled(app, 2)
            shown = await status(tg)
    assert [(item.kind, item.source, item.status) for item in kept] == [
        ("photo", "report", Kept.KEPT),
        ("voice", "update", Kept.KEPT),
    ]
    shelf = Shelf.beside(db)
    digest = hashlib.sha256(PHOTO).hexdigest()
    assert kept[0].digest == digest and shelf.path(digest).read_bytes() == PHOTO
    assert shelf.path(digest).parent.parent == tmp_path / "y.db.evidence"
    assert "证据材料（已保存 2/2）" in shown.text
    assert "📷 图片，随报告提交" in shown.text and "🎤 语音，随续报提交" in shown.text

    plans = PlanBook.load(PLANS / "e2e.yaml")
    async with await open_db(db) as store:
        facts = await facts_of(store, plans, 1, datetime.now(UTC), shelf)
    photo = facts.evidence[0]
    assert (photo.kind, photo.name, photo.size) == ("photo", "photo-1.jpg", len(PHOTO))
    assert photo.path is not None and photo.path.read_bytes() == PHOTO

    target = tmp_path / "out" / "archive.zip"
    target.parent.mkdir()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, plans=PLANS / "e2e.yaml", **database_settings(db)
    )
    argv = ["export", "1", "--archive", "-o", str(target), "--database", database(db)]
    assert await asyncio.to_thread(run, argv, settings) == 0  # the CLI runs its own loop
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        rows = manifest["files"]
        assert rows[0]["sha256"] == digest and rows[0]["who"] == "信息员小张"
        assert (rows[0]["kind"], rows[0]["size"], rows[0]["status"]) == (
            "photo",
            len(PHOTO),
            "kept",
        )
        assert rows[1]["who"] == "李 主任" and rows[1]["source"] == "update"
        assert archive.read(rows[0]["file"]) == PHOTO
        assert archive.read(rows[1]["file"]) == VOICE
        assert "yuqing-1.docx" in archive.namelist()
        assert archive.read("manifest.csv").decode("utf-8-sig").startswith("sha256,name,kind")


async def test_files_over_the_limits_are_not_kept_and_the_group_is_told(tmp_path: Path) -> None:
    limits = {"evidence_max_file_mb": 2 / 1024, "evidence_max_incident_mb": 3 / 1024}  # KB
    async with FakeBotAPI() as tg:
        people(tg)
        async with running(tg, tmp_path / "y.db", **limits) as app:
            await report_general(tg, photo=b"p" * 3000)  # over the file limit
            tg.send_message(GROUP, CLERK, document=("a.pdf", b"a" * 2000), caption="/update 1 一")
            tg.send_message(GROUP, CLERK, document=("b.pdf", b"b" * 2000), caption="/update 1 二")
            items = await settled(app, 3)
            too_big = await tg.wait_for(lambda m: "超过单个文件" in m.text, chat_id=GROUP)
            full = await tg.wait_for(lambda m: "已达" in m.text, chat_id=GROUP)
            shown = await status(tg)
    assert [item.status for item in items] == [Kept.TOO_BIG, Kept.KEPT, Kept.TOO_BIG]
    assert "📷 图片（2.9 KB）超过单个文件 2.0 KB 的上限" in too_big.text
    assert "已达 3.0 KB 上限，b.pdf（2.0 KB）未存入" in full.text
    assert "证据材料（已保存 1/3）" in shown.text and "超过大小上限，未保存" in shown.text
    kept = list((tmp_path / "y.db.evidence").rglob("*"))
    assert [p.read_bytes() for p in kept if p.is_file()] == [b"a" * 2000]


async def test_a_failed_download_is_retried_and_a_refused_one_recorded(tmp_path: Path) -> None:
    async with FakeBotAPI() as tg:
        people(tg)
        tg.fail_next("getFile", status=502)  # Telegram briefly unreachable
        tg.fail_next("download", status=502)  # and then the file URL too
        async with running(tg, tmp_path / "y.db") as app:
            await report_general(tg, photo=PHOTO)
            tg.fail_next("getFile", status=400, description="Bad Request: invalid file_id")
            tg.send_message(GROUP, CLERK, document=("gone.pdf", b"x"), caption="/update 1 文件")
            items = await settled(app, 2)
            told = await tg.wait_for(lambda m: "gone.pdf" in m.text, chat_id=GROUP)
    assert items[0].status is Kept.KEPT and items[0].attempts == 3
    assert items[1].status is Kept.LOST and "invalid file_id" in (items[1].reason or "").lower()
    assert "未存入证据档案" in told.text


async def test_a_download_owed_at_a_restart_is_fetched_after_it(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        tg.fail_next("getFile", status=502, count=1000)
        async with running(tg, db) as app:
            await report_general(tg, photo=PHOTO)
            owed = await tried(app)
        assert owed.status is Kept.PENDING
        tg.clear_failures()
        async with running(tg, db) as app:
            items = await settled(app, 1)
    assert items[0].status is Kept.KEPT
    assert Shelf.beside(db).path(hashlib.sha256(PHOTO).hexdigest()).read_bytes() == PHOTO
