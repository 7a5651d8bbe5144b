"""Every shipped plan in a running bot: its card's regrade buttons walk every level, up and down."""

import io
import logging
import re
from pathlib import Path

import pytest
from e2e_support import GROUP, buttons, running
from fakeapi import BotMessage, FakeBotAPI
from ruamel.yaml import YAML
from walk_support import SHIPPED, walk

from bot.domain.obligations import obligation_specs
from bot.domain.plan import Plan
from bot.i18n import Translator
from bot.planfile import load_plan
from bot.render.card import titled

T = Translator("zh_CN")  # every shipped plan speaks Chinese
FIRST_USER = 5001
UP, DOWN = T("button.regrade_up"), T("button.regrade_down")
DONE = T("card.met", at="|").split("|")[0]  # met on time or late
DROPPED = T("card.dropped")
REGRADED = T("notice.regraded", number=1, actor="|", old="|", new="|").split("|")[1]


def bound(path: Path, folder: Path, tg: FakeBotAPI) -> tuple[Path, Plan]:
    """The shipped plan bound to the fake group, each of its people a fake user; file, plan."""
    yaml = YAML()
    raw = yaml.load(path.read_text(encoding="utf-8"))
    raw["chats"] = {"telegram": [GROUP]}
    for index, (key, person) in enumerate(raw["people"].items()):
        person["telegram"] = FIRST_USER + index
        tg.user(FIRST_USER + index, f"{key}名")
    out = io.StringIO()
    yaml.dump(raw, out)
    target = folder / path.name
    target.write_text(out.getvalue(), encoding="utf-8")
    return target, load_plan(target)


def member(plan: Plan, roles: list[str]) -> int:
    """The fake user id of someone holding one of ``roles``."""
    ref = plan.people[plan.members(roles)[0]].telegram
    assert isinstance(ref, int)
    return ref


def names(plan: Plan, level: str) -> dict[str, str]:
    """The level's tasks (the review included): id -> the name the group reads."""
    return {spec.id: spec.text.get(T.lang) for spec in obligation_specs(plan, level)}


def every_name(plan: Plan, task: str) -> set[str]:
    """What the levels of the plan that have ``task`` call it."""
    return {names(plan, level)[task] for level in plan.level_ids if task in names(plan, level)}


def level_title(plan: Plan, level: str, number: int) -> str:
    """The first words of the card at ``level``."""
    return T("card.title", number=number, level=titled(plan.level(level).name.get(T.lang), T))


def no_ids(text: str, plan: Plan) -> None:
    """No task id of the plan shows in ``text``."""
    ids = {spec.id for level in plan.level_ids for spec in obligation_specs(plan, level)}
    shown = [task for task in ids if re.search(rf"(?<![\w-]){re.escape(task)}(?![\w-])", text)]
    assert shown == [], text


def is_line_of(line: str, task: str) -> bool:
    """Whether a card line is the one for ``task`` (the card numbers them: "2. 任务（…")."""
    return re.match(rf"\d+\. {re.escape(task)}（", line) is not None


def shows(card: BotMessage, task: str, words: str) -> bool:
    """Whether the card's line for ``task`` says ``words``."""
    return any(is_line_of(line, task) and words in line for line in card.text.splitlines())


async def graded(tg: FakeBotAPI, plan: Plan, reporter: int, number: int) -> BotMessage:
    """Report, answer every question with its first option; the card, not yet confirmed."""
    tg.send_message(GROUP, reporter, f"/report 网帖称某单位违规（第 {number} 起）")
    for index, question in enumerate(plan.questions):
        head = T("question.title", number=number, n=index + 1, of=len(plan.questions))
        asked = await tg.wait_for(lambda m, h=head: m.text.startswith(h) and m.buttons, timeout=10)
        tg.press_button(GROUP, reporter, asked.message_id, question.options[0].text.get(T.lang))
    return await tg.wait_for(
        lambda m: T("button.confirm") in buttons(m) and m.text.startswith(f"#{number} "),
        chat_id=GROUP,
        timeout=10,
    )


async def regraded(tg: FakeBotAPI, seen: int) -> BotMessage:
    """The regrade notice after the ``seen`` ones so far."""
    notices = await tg.wait_until(
        lambda: [m for m in tg.sent(GROUP) if REGRADED in m.text][seen:] or None,
        what=f"regrade notice {seen + 1}",
    )
    return notices[0]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
async def test_the_cards_buttons_walk_every_level_up_and_down(
    path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram lets a bot post 20 messages a minute in a group and a walk posts about 40: the
    # fake API here enforces no flood limits, so the bot keeps none (e2e_support.running)
    async with FakeBotAPI() as tg:
        tg.group(GROUP, "舆情工作群")
        plans, plan = bound(path, tmp_path, tg)
        reporter = member(plan, ["monitor"] if "monitor" in plan.roles else list(plan.roles))
        async with running(tg, tmp_path / "y.db", plans):
            card = await graded(tg, plan, reporter, 1)
            level = next(
                lv for lv in plan.level_ids if card.text.startswith(level_title(plan, lv, 1))
            )
            leader = member(plan, plan.level(level).approve)
            tg.press_button(GROUP, leader, card.message_id, T("button.confirm"))
            active = T("state.active")
            await tg.wait_for(lambda m: m.message_id == card.message_id and active in m.text)
            met = await meet_one(tg, plan, level, card)
            await walk_levels(tg, plan, level, card, met)
            tg.send_message(GROUP, reporter, "/report 又一条网帖")  # the bot is still there
            await tg.wait_for(lambda m: m.text.startswith("#2 "), chat_id=GROUP, timeout=10)
        texts = [m.text for m in tg.sent(GROUP)] + [a.text or "" for a in tg.callback_answers]
        assert not [text for text in texts if T("error.generic") in text]
        cards = [m for m in tg.sent(GROUP) if {UP, DOWN} & set(buttons(m))]
        assert [m.message_id for m in cards] == [card.message_id]  # edited in place, never resent
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the clock never failed


async def walk_levels(
    tg: FakeBotAPI, plan: Plan, level: str, card: BotMessage, met: dict[str, str]
) -> None:
    """Press the card's regrade buttons up to the top, down to the bottom and up again."""
    for step, target in enumerate(walk(plan.level_ids, level)):
        ids = plan.level_ids
        label = UP if ids.index(target) > ids.index(level) else DOWN
        tg.press_button(GROUP, member(plan, plan.level(level).approve), card.message_id, label)
        check_notice(await regraded(tg, step), plan, level, target, met)
        title = level_title(plan, target, 1)
        now = await tg.wait_for(
            lambda m, title=title: m.message_id == card.message_id and m.text.startswith(title),
            chat_id=GROUP,
        )
        check_card(now, plan, level, target, met)
        level = target


async def meet_one(tg: FakeBotAPI, plan: Plan, level: str, card: BotMessage) -> dict[str, str]:
    """Mark the level's first task that needs no approval done; {id: name} of what was met."""
    plain = [spec for spec in plan.level(level).obligations if not spec.approval]
    if not plain:
        return {}
    spec = plain[0]
    tg.send_message(GROUP, member(plan, [spec.owner]), f"/done 1 {spec.id}")
    name = spec.text.get(T.lang)
    await tg.wait_for(
        lambda m: m.message_id == card.message_id and shows(m, name, DONE),
        chat_id=GROUP,
    )
    return {spec.id: name}


def check_notice(notice: BotMessage, plan: Plan, old: str, new: str, met: dict[str, str]) -> None:
    """The notice names the new level, each added task with its deadline, each dropped one."""
    word = plan.level
    assert f"“{word(old).name.get(T.lang)}”" in notice.text
    assert f"“{word(new).name.get(T.lang)}”" in notice.text
    before, after = names(plan, old), names(plan, new)
    lines = notice.text.splitlines()
    for task in set(before) - set(after) - set(met):
        assert f"· {T('notice.regraded_dropped', task=before[task])}" in lines, notice.text
    for spec in obligation_specs(plan, new):
        if spec.id not in {**before, **met} and spec.after == "reported":
            start = "· " + T("card.due_task", task=after[spec.id], due="").strip()
            assert any(line.startswith(start) for line in lines), notice.text
    no_ids(notice.text, plan)


def check_card(card: BotMessage, plan: Plan, old: str, new: str, met: dict[str, str]) -> None:
    """The card lists the new level's tasks by name, met ones still met, the dropped dropped."""
    no_ids(card.text, plan)
    wanted = names(plan, new)
    for task, name in wanted.items():
        if task in met:
            continue  # met under an earlier level: it keeps that level's words (below)
        assert any(is_line_of(line, name) for line in card.text.splitlines()), card.text
        assert not shows(card, name, DROPPED), card.text
    for name in met.values():  # met in one level, it keeps the words of the level it was met in
        assert shows(card, name, DONE), card.text
    for task in set(names(plan, old)) - set(wanted) - set(met):
        assert any(shows(card, name, DROPPED) for name in every_name(plan, task)), card.text
