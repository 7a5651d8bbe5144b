"""A plan edited while incidents are open: the bot restarts on it, tells the group once what no
longer maps (by its stored name), keeps reminding, and leaves the other group's incident alone."""

import logging
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from e2e_support import EYE, GROUP, people
from edits_support import (
    EDITS,
    OTHER,
    OTHER_PLAN,
    Edit,
    Runs,
    T,
    apply,
    fixed,
    plans_folder,
    reminders,
    shows_id,
)
from fakeapi import BotMessage, FakeBotAPI
from process_support import confirm, report_major

from bot.cli import run
from bot.settings import Settings

CHANGED, GONE = fixed("notice.plan_changed"), fixed("notice.plan_gone")
RESTARTED = fixed("notice.grading_restarted")


def drift_notices(tg: FakeBotAPI, chat: int) -> list[BotMessage]:
    """What ``chat`` was told of plan edits."""
    return [m for m in tg.sent(chat) if CHANGED in m.text or GONE in m.text]


async def more_reminders(tg: FakeBotAPI, chat: int, number: int, seen: int) -> None:
    """Wait for two reminders after the ``seen`` ones: at least one from the bot running now."""
    await tg.wait_until(
        lambda: reminders(tg, chat, number) >= seen + 2,
        timeout=20,
        what=f"reminders for #{number} in {chat}",
    )


async def before_edit(tg: FakeBotAPI, edit: Edit) -> None:
    """A confirmed incident in each group (#1, #2), and a report mid-grading (#3) if asked."""
    await confirm(tg, GROUP, await report_major(tg, GROUP, 1))
    await confirm(tg, OTHER, await report_major(tg, OTHER, 2))
    if edit.asked_again:
        tg.send_message(GROUP, EYE, "/report 又一条网帖")
        first = await tg.wait_for(lambda m: "#3 定级问题 1/2" in m.text, chat_id=GROUP)
        tg.press_button(GROUP, EYE, first.message_id, "50条以内")
        await tg.wait_for(lambda m: "#3 定级问题 2/2" in m.text, chat_id=GROUP)
    await tg.wait_until(lambda: reminders(tg, GROUP, 1), what="a reminder before the edit")


async def after_edit(tg: FakeBotAPI, edit: Edit) -> None:
    """The first run on the edited plan: told once, reminded (unless the plan is gone)."""
    seen, other = reminders(tg, GROUP, 1), reminders(tg, OTHER, 2)
    await more_reminders(tg, OTHER, 2, other)  # running, and its first look is done
    if edit.drift:
        notice = await tg.wait_for(lambda m: CHANGED in m.text or GONE in m.text, chat_id=GROUP)
        assert (GONE in notice.text) is (edit.text is None)
        for key, name in edit.drift:
            assert T(key, name=name) in notice.text, notice.text
        assert shows_id(notice.text, edit.ids) == [], notice.text
    if edit.text is None:
        await more_reminders(tg, OTHER, 2, other + 2)
        assert reminders(tg, GROUP, 1) <= seen + 1  # one written before the restart, at most
    else:
        await more_reminders(tg, GROUP, 1, seen)
        new = [m.text for m in tg.sent(GROUP) if "#1「向上级报告」" in m.text][seen + 1 :]
        assert not [text for text in new for who in edit.untagged if who in text]
    if edit.asked_again:
        await graded_again(tg, edit.asked_again)
    await status_and_export(tg, edit)


async def graded_again(tg: FakeBotAPI, answers: tuple[str, ...]) -> None:
    """The report mid-grading is asked again from the first question, and can be graded."""
    told = await tg.wait_for(
        lambda m: m.text.startswith("#3") and RESTARTED in m.text, chat_id=GROUP
    )
    last = told.message_id
    for index, answer in enumerate(answers):
        head = T("question.title", number=3, n=index + 1, of=len(answers))
        asked = await tg.wait_for(
            lambda m, h=head, after=last: m.message_id > after and m.text.startswith(h),
            chat_id=GROUP,
        )
        tg.press_button(GROUP, EYE, asked.message_id, answer)
        last = asked.message_id
    await tg.wait_for(lambda m: m.text.startswith("#3 重大舆情"), chat_id=GROUP)


async def status_and_export(tg: FakeBotAPI, edit: Edit) -> None:
    """/status 1 shows the card with the stored names; /export 1 sends the written report."""
    asked = tg.send_message(GROUP, EYE, "/status 1")["message_id"]
    card = await tg.wait_for(lambda m: m.reply_to_message_id == asked, chat_id=GROUP)
    for words in edit.card:
        assert words in card.text, card.text
    assert shows_id(card.text, edit.ids) == [], card.text
    asked = tg.send_message(GROUP, EYE, "/export 1")["message_id"]
    sent = await tg.wait_for(
        lambda m: m.reply_to_message_id == asked and m.file is not None, chat_id=GROUP
    )
    assert sent.file is not None and sent.file.filename == "yuqing-1.docx"
    document = Document(BytesIO(sent.file.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join([*(p.text for p in document.paragraphs), *cells])
    assert "向上级报告" in text and shows_id(text, edit.ids) == []


async def second_restart(tg: FakeBotAPI, edit: Edit) -> None:
    """Started again on the same plans: nothing is told twice, reminders go on."""
    seen, other = reminders(tg, GROUP, 1), reminders(tg, OTHER, 2)
    await more_reminders(tg, OTHER, 2, other)
    if edit.text is not None:
        await more_reminders(tg, GROUP, 1, seen)
    assert len(drift_notices(tg, GROUP)) == (1 if edit.drift else 0)
    assert len([m for m in tg.sent(GROUP) if RESTARTED in m.text]) == (1 if edit.asked_again else 0)


async def restarted_on(
    edit: Edit, tmp_path: Path, process: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Incidents open, the plan edited, the bot restarted on it twice: what each group gets."""
    async with FakeBotAPI() as tg:
        people(tg)
        tg.group(OTHER, "另一工作群")
        runs = Runs(tg, tmp_path / "y.db", process, caplog)
        folder = plans_folder(tmp_path / "plans")
        async with runs.bot(folder):
            await before_edit(tg, edit)
        apply(edit, folder)
        async with runs.bot(folder):
            await after_edit(tg, edit)
        async with runs.bot(folder):
            await second_restart(tg, edit)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [] and runs.logged("Traceback") == []
        everything = [m.text for m in tg.sent()] + [a.text or "" for a in tg.callback_answers]
        assert not [text for text in everything if T("error.generic") in text]
        assert drift_notices(tg, OTHER) == []
    warned = runs.logged("incident #1: the plan no longer has")
    assert len(warned) == (2 if edit.drift else 0)  # at every start, once
    aside = runs.logged("incident #1: plan 'e2e' is not loaded and its chat runs no plan")
    assert len(aside) == (2 if edit.text is None else 0)  # set aside: once at every start
    assert runs.logged("incident #2") == []


@pytest.mark.parametrize("kind", sorted(EDITS))
async def test_the_bot_restarted_on_an_edited_plan(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await restarted_on(EDITS[kind], tmp_path, False, caplog)


@pytest.mark.parametrize("kind", ["task removed", "plan removed"])
async def test_the_real_process_restarted_on_an_edited_plan(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await restarted_on(EDITS[kind], tmp_path, True, caplog)


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_each_edited_plan_is_a_valid_plan(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = plans_folder(tmp_path / "plans")
    apply(EDITS[kind], folder)
    code = run(["check-plan", str(folder)], Settings(_env_file=None))  # type: ignore[call-arg]
    out, err = capsys.readouterr()
    assert (code, err) == (0, "") and "ok" in out
    assert (folder / "b.yaml").read_text(encoding="utf-8") == OTHER_PLAN
