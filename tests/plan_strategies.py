"""Hypothesis material for the plan fuzz tests: settings, valid plan dicts, their mutations."""

from __future__ import annotations

import copy
import io
import os
import string
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.domain.checks import RESERVED_OBLIGATION_IDS
from bot.domain.durations import format_duration, parse_duration

# Derandomized by default: CI and the other people committing in this tree see the same examples
# on every run, so a red test is reproducible and never a new random find blocking an unrelated
# change. YUQING_FUZZ=explore draws fresh examples (and keeps a .hypothesis/ database) to hunt.
EXPLORE = os.environ.get("YUQING_FUZZ") == "explore"


def fuzz(max_examples: int) -> settings:
    """Settings for one property: a modest example count, no per-example deadline."""
    return settings(
        max_examples=max_examples * (10 if EXPLORE else 1),
        deadline=None,  # a loaded 2-core CI box makes per-example timings meaningless
        derandomize=not EXPLORE,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


FUZZ = fuzz(100)

DAY = 86400
IDS = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=32).filter(
    lambda name: not name.startswith("-")
)
# a question called any or all cannot appear in a rule: the grammar reads those as any:/all:
QUESTION_IDS = IDS.filter(lambda name: name not in ("any", "all"))
ODD_TEXT = ["🚨 舆情 🔥", "مرحبا بالعالم", "\u202eevil\u202c", "a\tb\nc", "「是」", "x" * 300]
# ruamel's dumper writes U+0085 raw into quotes, where its own reader folds it into a space;
# lone surrogates cannot be written to a file at all
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x85"), min_size=1, max_size=8)
WORDS = st.one_of(TEXT.filter(str.strip), st.sampled_from(ODD_TEXT))
LTEXT = st.one_of(
    WORDS, st.dictionaries(st.sampled_from(["zh_CN", "en", "fr"]), WORDS, min_size=1, max_size=3)
)
# what a mutation puts in place of a value or a key: wrong types, absurd values, bad references
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(10**18, 10**40),
    st.floats(),
    IDS,
    WORDS,
    st.sampled_from(["", " ", "0s", "99999d", "1.5h", "-3h", "3651d", "review", "any", "@"]),
    st.just("名" * 10_000),
    st.lists(st.one_of(IDS, st.integers()), max_size=3),
    st.dictionaries(IDS, WORDS, max_size=2),
)


def written(seconds: int) -> str | int:
    """A duration as a plan writes it (whole seconds are allowed too)."""
    return seconds if seconds % 7 == 3 else format_duration(timedelta(seconds=seconds))


def durations(low: int, high: int) -> st.SearchStrategy[str | int]:
    """Durations from ``low`` to ``high`` seconds, written like a plan."""
    return st.integers(low, high).map(written)


def roles_of(draw: st.DrawFn, role_ids: list[str], least: int = 0) -> list[str]:
    """Some role ids, for notify, approve, escalate_to …"""
    return draw(st.lists(st.sampled_from(role_ids), min_size=least, max_size=2, unique=True))


@st.composite
def questions(draw: st.DrawFn) -> dict[str, Any]:
    """A grading question with two or three options; some carry a reason or guidance."""
    options = draw(st.lists(IDS, min_size=2, max_size=3, unique=True))
    extra = st.fixed_dictionaries({}, optional={"reason": LTEXT, "guidance": LTEXT})
    return {
        "id": draw(QUESTION_IDS),
        "text": draw(LTEXT),
        "options": [{"id": option, "text": draw(LTEXT), **draw(extra)} for option in options],
    }


def rules(asked: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A ``when`` rule over the questions: equality, lists, several keys, nested any/all."""

    def answer(question: dict[str, Any]) -> st.SearchStrategy[str | list[str]]:
        ids = [option["id"] for option in question["options"]]
        many = st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)
        return st.one_of(st.sampled_from(ids), many)

    some = st.lists(st.sampled_from(asked), min_size=1, max_size=2, unique_by=lambda q: q["id"])
    leaf = some.flatmap(lambda chosen: st.fixed_dictionaries({q["id"]: answer(q) for q in chosen}))
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"any": parts}),
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"all": parts}),
            st.tuples(leaf, inner).map(lambda pair: {**pair[1], **pair[0]}),
        ),
        max_leaves=4,
    )


@st.composite
def reminders(draw: st.DrawFn, role_ids: list[str], before: list[int]) -> dict[str, Any]:
    """Reminder rules warning ``before`` (seconds) each deadline."""
    rules = {"before": [written(seconds) for seconds in before]}
    if draw(st.booleans()):  # the old one-step form
        optional = {"overdue_every": durations(60, DAY), "escalate_after": st.integers(0, 5)}
        rules |= draw(st.fixed_dictionaries({}, optional=optional))
        return rules | {"escalate_to": roles_of(draw, role_ids)}
    every = draw(st.integers(60, DAY))
    reached = draw(st.lists(st.integers(1, 12), max_size=3, unique=True).map(sorted))
    steps = []
    for number in reached:  # the reminder number each step is first reached at, climbing
        to = roles_of(draw, role_ids, 1)
        if number == 1 or draw(st.booleans()):  # no zero duration: the deadline's own is 0
            steps.append({"reminders": number - 1, "to": to})
        else:
            steps.append({"overdue": written(every * (number - 1)), "to": to})
    return rules | {"overdue_every": written(every), "escalate": steps}


@st.composite
def obligations(draw: st.DrawFn, role_ids: list[str], floor: int) -> dict[str, Any]:
    """An obligation due more than ``floor`` seconds after its start."""
    within = draw(st.integers(floor + 1, floor + 10 * DAY))
    obligation = {
        "id": draw(IDS.filter(lambda name: name not in RESERVED_OBLIGATION_IDS)),
        "text": draw(LTEXT),
        "owner": draw(st.sampled_from(role_ids)),
        "within": written(within),
        "approval": roles_of(draw, role_ids),
    }
    if draw(st.booleans()):
        obligation["after"] = draw(st.sampled_from(["reported", "stabilised"]))
    if within > 1 and draw(st.booleans()):
        own = draw(st.lists(st.integers(1, within - 1), max_size=2))
        obligation["reminders"] = draw(reminders(role_ids, own))
    return obligation


@st.composite
def levels(
    draw: st.DrawFn, asked: list[dict[str, Any]], role_ids: list[str], floor: int, lean: bool
) -> list[dict[str, Any]]:
    """One to three levels, exactly one of them (anywhere) the default without ``when``."""
    ids = draw(st.lists(IDS, min_size=1, max_size=3, unique=True))
    default = draw(st.integers(0, len(ids) - 1))
    duties = st.lists(obligations(role_ids, floor), max_size=0 if lean else 2, unique_by=_id)
    conditions = rules(asked)
    found = []
    for index, level_id in enumerate(ids):
        level = {"id": level_id, "name": draw(LTEXT), "approve": roles_of(draw, role_ids, 1)}
        level |= {"notify": roles_of(draw, role_ids), "obligations": draw(duties)}
        _maybe_conditional(draw, level["obligations"])
        if not lean and draw(st.booleans()):
            owner = draw(st.sampled_from(role_ids))
            level["progress"] = {"every": draw(durations(max(60, floor + 1), DAY)), "owner": owner}
        if index != default:
            level["when"] = draw(conditions)
        found.append(level)
    return found


def _seconds(duty: dict[str, Any]) -> int:
    within = duty["within"]
    return within if isinstance(within, int) else int(parse_duration(within).total_seconds())


def _maybe_conditional(draw: st.DrawFn, duties: list[dict[str, Any]]) -> None:
    """Sometimes make the later of two tasks a holding reply owed only if the other is late."""
    if len(duties) == 2 and draw(st.booleans()):
        first, second = duties
        same_start = first.get("after", "reported") == second.get("after", "reported")
        if same_start and _seconds(second) > _seconds(first):
            second["if_overdue"] = first["id"]


def _id(item: dict[str, Any]) -> Any:
    return item["id"]


@st.composite
def plans(draw: st.DrawFn, lean: bool = False) -> dict[str, Any]:
    """A valid plan, as the mapping its YAML file holds; ``lean``: no obligations or extras."""
    people = draw(st.lists(IDS, max_size=2, unique=True))
    handle = st.one_of(st.integers(1, 10**12), st.from_regex(r"@\w{1,20}", fullmatch=True))
    members = st.lists(st.sampled_from(people), max_size=2, unique=True) if people else st.just([])
    role_ids = draw(st.lists(IDS, min_size=1, max_size=3, unique=True))
    asked = draw(st.lists(questions(), min_size=1, max_size=3, unique_by=lambda q: q["id"]))
    warnings = draw(st.lists(st.integers(1, 3600), max_size=2))
    floor = max(warnings, default=0)  # every deadline must be longer than every warning
    plan = {
        "id": draw(IDS),
        "title": draw(LTEXT),
        "people": {p: {"name": draw(WORDS), "telegram": draw(handle)} for p in people},
        "roles": {r: {"title": draw(LTEXT), "members": draw(members)} for r in role_ids},
        "questions": asked,
        "levels": draw(levels(asked, role_ids, floor, lean)),
        "reminders": draw(reminders(role_ids, warnings)),
        "review": {
            "within": draw(durations(floor + 1, 30 * DAY)),
            "owner": draw(st.sampled_from(role_ids)),
            "approve": roles_of(draw, role_ids, 1),
        },
    }
    if lean:
        return plan
    return plan | draw(st.fixed_dictionaries({}, optional=optional_fields(role_ids, floor)))


def optional_fields(role_ids: list[str], floor: int = 0) -> dict[str, st.SearchStrategy[Any]]:
    """Strategies for the plan's optional top-level fields (warnings up to ``floor`` seconds)."""
    every = st.integers(max(60, floor + 1), DAY)
    follow_up = every.flatmap(
        lambda step: st.fixed_dictionaries(
            {
                "every": st.just(written(step)),
                "for": durations(step, step * 20),
                "owner": st.sampled_from(role_ids),
            }
        )
    )
    return {
        "timezone": st.sampled_from(["Asia/Shanghai", "UTC", "Europe/Berlin", "Asia/Urumqi"]),
        "language": st.sampled_from(["zh_CN", "en"]),
        "report_timeout": durations(60, DAY),
        "chats": st.fixed_dictionaries({"telegram": st.lists(st.integers(-(10**13), -1))}),
        "follow_up": follow_up,
    }


def dump(plan: Any) -> str:
    """``plan`` as YAML text, the way somebody could have written it."""
    yaml = YAML(typ="rt")
    yaml.width = 120
    out = io.StringIO()
    yaml.dump(plan, out)
    return out.getvalue()


def paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a nested dict/list document, the document itself first."""
    found = [here]
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        found += paths(value, (*here, key))
    return found


@st.composite
def mutated(draw: st.DrawFn, plan: dict[str, Any]) -> Any:
    """``plan`` with one to three mutations: a value dropped, replaced, duplicated or renamed."""
    document: Any = copy.deepcopy(plan)
    for _ in range(draw(st.integers(1, 3))):
        place = draw(st.sampled_from(paths(document)))
        if not place:
            document = draw(JUNK)
            continue
        parent = document
        for key in place[:-1]:
            parent = parent[key]
        mutate(draw, parent, place[-1])
    return document


def mutate(draw: st.DrawFn, parent: Any, key: Any) -> None:
    """Change ``parent[key]`` in place in one of several ways."""
    how = draw(st.sampled_from(["drop", "replace", "duplicate", "rename"]))
    if how == "drop":
        del parent[key]
    elif how == "replace":
        parent[key] = draw(JUNK)
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif how == "rename" and isinstance(parent, dict):
        new_key = draw(st.one_of(IDS, st.integers(), st.none(), st.booleans(), WORDS))
        parent[new_key] = parent.pop(key)
    else:
        parent[key] = draw(st.sampled_from(["ghost", "", "x" * 10_000, "🙂", 0, -1]))
