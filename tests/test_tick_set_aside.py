"""One incident whose tick fails is logged once and set aside; the other group's reminders go on."""

import logging
from datetime import datetime
from pathlib import Path

import pytest
from e2e_support import CLERK, GROUP, PLANS, people, running
from edits_support import OTHER, reminders
from fakeapi import FakeBotAPI
from process_support import confirm, incident, report_major

from bot.domain.plan import Plan
from bot.domain.timing import Due, Snapshot, what_is_due
from bot.service import ticking


class Breaks:
    """``what_is_due`` that raises for the incident reported at ``at`` (once it is set)."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self.failed = 0

    def __call__(self, snapshot: Snapshot, plan: Plan, now: datetime) -> Due:
        if snapshot.reported_at == self.at:
            self.failed += 1
            raise RuntimeError("injected: this incident cannot be ticked")
        return what_is_due(snapshot, plan, now)


async def test_a_failing_incident_is_set_aside_and_the_other_group_is_still_reminded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    breaks = Breaks()
    monkeypatch.setattr(ticking, "what_is_due", breaks)
    db = tmp_path / "y.db"
    async with FakeBotAPI() as tg:
        people(tg)
        tg.group(OTHER, "第二工作群")
        async with running(tg, db, PLANS / "two-groups.yaml"):
            await confirm(tg, GROUP, await report_major(tg, GROUP, 1))
            await confirm(tg, OTHER, await report_major(tg, OTHER, 2))
            breaks.at = (await incident(db, 1)).reported_at  # incident #1 (id 1) breaks now
            await tg.wait_until(lambda: breaks.failed, timeout=10, what="the injected failure")
            stuck, other = reminders(tg, GROUP, 1), reminders(tg, OTHER, 2)
            await tg.wait_until(
                lambda: reminders(tg, OTHER, 2) >= other + 3,
                timeout=20,
                what="the other group's reminders",
            )
            assert breaks.failed < 5  # set aside: not tried again and again
            assert reminders(tg, GROUP, 1) <= stuck + 1  # one already written, at most
            failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
            message = failures[0].getMessage()
            assert len(failures) == 1 and ("#1:" in message or "incident 1 " in message)
            assert "set aside" in message
            assert failures[0].exc_info is not None

            breaks.at = None  # mended; it is looked at again once it changes
            tg.send_message(GROUP, CLERK, "/update 1 网上讨论已明显减少")
            await tg.wait_until(
                lambda: reminders(tg, GROUP, 1) >= stuck + 2, timeout=20, what="reminders again"
            )
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
