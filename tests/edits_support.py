"""Plans edited while incidents are open: the edits, and the bot restarted on them."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import PLANS, running
from fakeapi import FakeBotAPI
from process_support import start_bot

from bot.i18n import Translator

T = Translator("zh_CN")
OTHER = -100888  # a group of another plan, which nobody edits
# reminded every second once overdue, so a restart sees some soon
BASE = (
    (PLANS / "e2e.yaml")
    .read_text(encoding="utf-8")
    .replace("overdue_every: 2s", "overdue_every: 1s")
)
OTHER_PLAN = (
    BASE.replace("id: e2e\n", "id: e2e-other\n", 1)
    .replace("chats: {telegram: [-100777]}", f"chats: {{telegram: [{OTHER}]}}")
    .replace("zh_CN: 端到端测试预案,", "zh_CN: 另一单位预案,")
)
OPTION = "      - {id: low, text: {zh_CN: 50条以内, en: 50 or fewer}}\n"
QUESTION = """\
  - id: reach
    text: {zh_CN: 传播范围？, en: How far has it spread?}
    options:
"""
TASK = (
    "      - {id: report_up, text: {zh_CN: 向上级报告, en: Report upward},"
    " owner: office, within: 3s, report: true}\n"
)
RELEASE = (
    "      - {id: release, text: {zh_CN: 发布通稿, en: Publish the release},"
    " owner: office, within: 1h, approval: [leader]}\n"
)
OFFICE = "  office: {title: {zh_CN: 办公室, en: Office}, members: [clerk]}\n"
for piece in (OPTION, QUESTION, TASK, RELEASE, OFFICE, "overdue_every: 1s"):
    assert piece in BASE


@dataclass(frozen=True)
class Edit:
    """One kind of plan edit, and what the group must be shown after it."""

    text: str | None  # the edited plan; None: its file is removed (the chat runs no plan)
    drift: tuple[tuple[str, str], ...] = ()  # (message key, name as stored) the group is told
    ids: tuple[str, ...] = ()  # ids that must never be shown for it
    card: tuple[str, ...] = ("#1 重大舆情", "向上级报告（办公室）")  # what /status 1 shows
    asked_again: tuple[str, ...] = ()  # a report mid-grading is asked again: answers to press
    untagged: tuple[str, ...] = ()  # people the new reminders no longer mention


def _without_question(text: str) -> str:
    """The plan without the reach question (its options follow its header)."""
    start = text.index(QUESTION)
    end = text.index("  - id: media\n")
    return text[:start] + text[end:]


EDITS = {
    "option renamed": Edit(
        BASE.replace(OPTION, "      - {id: few, text: {zh_CN: 不足50条, en: Under 50}}\n"),
        (("drift.option", "50条以内"),),
        ("low",),
        asked_again=("不足50条", "是"),
    ),
    "question removed": Edit(
        _without_question(BASE),
        (("drift.question", "传播范围？"),),
        ("reach",),
        asked_again=("是",),
    ),
    "level renamed": Edit(
        BASE.replace(
            "- id: major\n    name: {zh_CN: 重大, en: Major}",
            "- id: serious\n    name: {zh_CN: 严重, en: Serious}",
        ),
        (("drift.level", "重大"),),
        ("major",),
    ),
    "task renamed": Edit(
        BASE.replace(
            TASK, TASK.replace("report_up", "report_lead").replace("向上级报告", "向上级领导报告")
        ),
        (("drift.task", "向上级报告"),),
        ("report_up",),
    ),
    "task removed": Edit(BASE.replace(TASK, ""), (("drift.task", "向上级报告"),), ("report_up",)),
    "role removed": Edit(
        BASE.replace(OFFICE, "")
        .replace("owner: office", "owner: leader")
        .replace("notify: [leader, office]", "notify: [leader]")
        .replace("notify: [office]", "notify: [leader]"),
        (),  # every task of the role went to another: nothing refers to the role any more
        ("office",),
        card=("#1 重大舆情", "向上级报告（组长）"),  # the task goes to the role the plan names now
    ),
    "person removed": Edit(
        BASE.replace('  clerk: {name: 李主任, telegram: "@li_clerk"}\n', "").replace(
            "members: [clerk]", "members: [boss]"
        ),
        untagged=("@li_clerk",),
    ),
    "plan renamed": Edit(
        BASE.replace("id: e2e\n", "id: e2e-revised\n", 1).replace(
            "zh_CN: 端到端测试预案,", "zh_CN: 端到端测试预案（修订版）,"
        ),
        (("drift.plan", "端到端测试预案"),),
        ("e2e",),
    ),
    "plan removed": Edit(None, (("drift.plan", "端到端测试预案"),), ("e2e",)),
    "ladder climbs further": Edit(  # the open task's next reminders climb the new ladder
        BASE.replace(
            "  escalate_after: 1\n  escalate_to: [leader]\n",
            "  escalate:\n    - {reminders: 1, to: [leader]}\n    - {overdue: 3s, to: [monitor]}\n",
        )
    ),
    "progress reports added": Edit(  # 续报 now owed during handling: opened from the restart on
        BASE.replace(RELEASE, RELEASE + "    progress: {every: 3s, owner: office}\n"),
        ids=("progress",),
    ),
}


def plans_folder(folder: Path) -> Path:
    """A folder with the end-to-end plan (the group) and another plan (the other group)."""
    folder.mkdir()
    (folder / "a.yaml").write_text(BASE, encoding="utf-8")
    (folder / "b.yaml").write_text(OTHER_PLAN, encoding="utf-8")
    return folder


def apply(edit: Edit, folder: Path) -> None:
    """Edit the group's plan file (or remove it)."""
    if edit.text is None:
        (folder / "a.yaml").unlink()
    else:
        (folder / "a.yaml").write_text(edit.text, encoding="utf-8")


def fixed(key: str) -> str:
    """The longest part of a message that does not depend on its parameters."""
    filled = T(key, number="|", plan="|", items="|", task="|", due="|", late="|", n="|")
    return max(filled.split("|"), key=len)


def reminders(tg: FakeBotAPI, chat: int, number: int) -> int:
    """How many reminders for 「向上级报告」 of incident #``number`` ``chat`` got."""
    return len([m for m in tg.sent(chat) if f"#{number}「向上级报告」" in m.text])


def shows_id(text: str, ids: tuple[str, ...]) -> list[str]:
    """The ids among ``ids`` that ``text`` shows as words."""
    return [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]


class Runs:
    """Starts the bot on a plans folder — in this process or as ``yuqing-bot run`` — and keeps
    what it logged."""

    def __init__(self, tg: FakeBotAPI, db: Path, process: bool, caplog: pytest.LogCaptureFixture):
        self.tg, self.db, self.process, self.caplog = tg, db, process, caplog
        self.lines: list[str] = []
        caplog.set_level(logging.WARNING)

    @asynccontextmanager
    async def bot(self, plans: Path) -> AsyncIterator[None]:
        """The bot running on ``plans`` until the block ends."""
        if not self.process:
            async with running(self.tg, self.db, plans):
                yield
            return
        started = await start_bot(self.tg, self.db, plans)
        try:
            yield
            assert started.process.returncode is None, "the bot stopped by itself"
        finally:
            await started.stop()
            self.lines.extend(started.lines)

    def logged(self, text: str) -> list[str]:
        """What the bot logged (in every run so far) that contains ``text``."""
        return [line for line in [*self.caplog.messages, *self.lines] if text in line]
