"""The evidence archive in a WeCom group: images sent with a command, fetched and decrypted.

The real ``yuqing-bot run`` against the fake WeCom, which serves each image encrypted as WeCom
does (its own AES, apart from the bot's) at a URL over real HTTP that is valid a few minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from dbswitch import open_db
from fakewecom import FakeWeCom
from process_support import BotProcess
from wecom_process import BOSS, CLERK, EYE, GROUP, reply_card, shows, start_wecom_bot, wecom_env

from bot.domain.evidence import Evidence, Kept
from bot.service.shelf import Shelf

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
POST = b"\xff\xd8\xff\xe0" + b"screenshot of the post" * 40


async def graded(wecom: FakeWeCom, asked: str) -> str:
    """The report asked by ``asked`` graded 一般 on its card; the card's task id."""
    task_id, _ = await reply_card(wecom, asked)
    await wecom.press(task_id, "50条以内", EYE)
    await shows(wecom, task_id, "#1 定级问题 2/2")
    await wecom.press(task_id, "否", EYE)
    await shows(wecom, task_id, "#1 一般")
    return task_id


async def settled(db: Path, count: int, timeout: float = 30.0) -> list[Evidence]:
    """Incident #1's files once ``count`` are there and none is still owed a download."""
    async with await open_db(db, read_only=True) as store:
        async with asyncio.timeout(timeout):
            while True:
                items = await store.evidence(1)
                if len(items) >= count and all(i.status is not Kept.PENDING for i in items):
                    return items
                await asyncio.sleep(0.1)


async def told(wecom: FakeWeCom, text: str) -> str:
    """The first markdown in the group, reply or push, that says ``text``."""

    def find() -> str | None:
        said = (p.content or "" for p in wecom.posts if p.chat == GROUP)
        return next((content for content in said if text in content), None)

    return await wecom.wait_for(find, 30, f"the group told {text!r}")


def clean(bot: BotProcess, wecom: FakeWeCom) -> None:
    """No traceback, and no media key or URL in the bot's log."""
    log = "\n".join(bot.lines)
    assert "Traceback" not in log, "\n".join(bot.lines[-40:])
    assert "/media/" not in log and "aeskey" not in log


async def test_a_mixed_report_keeps_its_images_and_the_quoted_one(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeWeCom() as wecom:
        bot = await start_wecom_bot(wecom_env(wecom, db), tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            asked = await wecom.say_mixed(GROUP, EYE, "/report 网帖附图", (PHOTO,), quoted=POST)
            await graded(wecom, asked)
            kept = await settled(db, 2)
            status = await wecom.say(GROUP, BOSS, "/status 1")
            _, card = await reply_card(wecom, status)
        finally:
            await bot.stop()
    assert [(i.kind, i.source, i.status, i.actor) for i in kept] == [
        ("photo", "report", Kept.KEPT, f"wecom:{EYE}"),
        ("photo", "report", Kept.KEPT, f"wecom:{EYE}"),
    ]
    shelf = Shelf.beside(db)
    for item, content in zip(kept, (PHOTO, POST), strict=True):
        assert item.digest == hashlib.sha256(content).hexdigest() and item.size == len(content)
        assert shelf.path(item.digest).read_bytes() == content
    assert "证据材料（已保存 2/2）" in str(card), card
    assert [status for _, status in wecom.media_gets] == [200, 200]
    clean(bot, wecom)


async def test_too_big_expired_and_failing_images_are_told_or_retried(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    async with FakeWeCom() as wecom:
        env = {**wecom_env(wecom, db), "YUQING_EVIDENCE_MAX_FILE_MB": str(2 / 1024)}  # 2 KB
        bot = await start_wecom_bot(env, tmp_path)
        try:
            await wecom.wait_subscribes(1, timeout=30)
            await graded(wecom, await wecom.say(GROUP, EYE, "/report 网帖称某单位违规收费"))
            await wecom.say_mixed(GROUP, CLERK, "/update 1 现场图", (b"p" * 3000,))
            big = await told(wecom, "超过单个文件")
            await wecom.say_mixed(GROUP, CLERK, "/update 1 过期图", (b"late",), ttl=0.0)
            lost = await told(wecom, "无法下载")
            wecom.media_fail(502)  # the media server briefly down: tried again, then kept
            await wecom.say_mixed(GROUP, CLERK, "/update 1 补图", (PHOTO[:1500],))
            items = await settled(db, 3)
        finally:
            await bot.stop()
    assert [(i.status, i.source) for i in items] == [
        (Kept.TOO_BIG, "update"),
        (Kept.LOST, "update"),
        (Kept.KEPT, "update"),
    ]
    assert "#1：📷 图片（2.9 KB）超过单个文件 2.0 KB 的上限，未存入证据档案" in big
    assert "#1：📷 图片" in lost and "HTTP 403" in (items[1].reason or "")
    assert items[2].attempts == 2 and items[2].digest == hashlib.sha256(PHOTO[:1500]).hexdigest()
    clean(bot, wecom)
