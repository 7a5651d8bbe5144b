"""Typed button data: every type packs within 64 bytes and back, and buttons already posted
(the "y1:<code>:<id>:<arg>" strings the earlier code wrote) still mean what they meant."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.obligations import content_digest
from bot.domain.planfields import ID_PATTERN
from bot.service.buttons import (
    MAX_BYTES,
    Answer,
    Approve,
    Cancel,
    Close,
    Confirm,
    Done,
    Press,
    Regrade,
    Reject,
    Stabilise,
    StaleButton,
    pack,
    unpack,
)

plan_ids = st.from_regex(ID_PATTERN, fullmatch=True)
incident_ids = st.integers(min_value=0, max_value=2**63 - 1)
indexes = st.integers(min_value=0, max_value=10**6)
digests = st.builds(content_digest, st.text())
texts = st.one_of(plan_ids, st.text(max_size=40))  # the plan's ids, and anything at all

presses = st.one_of(
    st.builds(Answer, incident_ids, indexes, texts),
    st.builds(Confirm, incident_ids),
    st.builds(Regrade, incident_ids, texts),
    st.builds(Cancel, incident_ids),
    st.builds(Stabilise, incident_ids),
    st.builds(Close, incident_ids),
    st.builds(Done, incident_ids, texts),
    st.builds(Approve, incident_ids, texts, digests),
    st.builds(Reject, incident_ids, texts, digests),
)


@given(presses)
def test_every_type_round_trips_within_64_bytes_or_is_refused_when_drawn(press: Press) -> None:
    fields = [str(value).encode() for value in vars(press).values()]
    # "y1:<code>:" then the fields, one separator byte between two ("y1:c:7:" ends in one)
    size = 5 + sum(map(len, fields)) + len(fields) - 1 + (len(fields) == 1)
    if size > MAX_BYTES:
        with pytest.raises(ValueError):
            pack(press)
        return
    wire = pack(press)
    assert len(wire.encode()) == size
    assert unpack(wire) == press


def old_meaning(data: str) -> tuple[Any, ...]:
    """What the code before typed buttons did with wire data (its unpack and dispatch, copied)."""
    parts = data.split(":", 3)
    try:
        prefix, code, incident, arg = parts
        if prefix != "y1" or len(data.encode()) > 64:
            raise ValueError(data)
        number = int(incident)
        if code not in "acgxsedpr" or len(code) != 1:
            raise ValueError(code)
    except ValueError:
        return ("stale",)
    if code == "a":
        index, _, option = arg.partition("=")
        return ("answer", number, int(index), option) if index.isdigit() else ("stale",)
    if code in "gd":
        return ({"g": "regrade", "d": "done"}[code], number, arg)
    if code in "pr":
        obligation, versioned, digest = arg.partition("@")
        return ("decide", number, obligation, code == "p", digest) if versioned else ("stale",)
    return ({"c": "confirm", "x": "cancel", "s": "stabilise", "e": "close"}[code], number)


def new_meaning(data: str) -> tuple[Any, ...]:
    """The same, through the typed data."""
    try:
        press = unpack(data)
    except StaleButton:
        return ("stale",)
    match press:
        case Answer(incident_id=number, index=index, option=option):
            return ("answer", number, index, option)
        case Regrade(incident_id=number, level=level):
            return ("regrade", number, level)
        case Done(incident_id=number, obligation=obligation):
            return ("done", number, obligation)
        case Approve(incident_id=number, obligation=obligation, digest=digest):
            return ("decide", number, obligation, True, digest)
        case Reject(incident_id=number, obligation=obligation, digest=digest):
            return ("decide", number, obligation, False, digest)
    names = {Confirm: "confirm", Cancel: "cancel", Stabilise: "stabilise", Close: "close"}
    return (names[type(press)], press.incident_id)


# What the earlier renderer put after "y1:<code>:<id>:" for each code.
old_arguments = {
    "a": st.builds(lambda index, option: f"{index}={option}", indexes, plan_ids),
    "g": plan_ids,
    "d": plan_ids,
    "p": st.builds(lambda ob, digest: f"{ob}@{digest}", plan_ids, digests),
    "r": st.builds(lambda ob, digest: f"{ob}@{digest}", plan_ids, digests),
    **dict.fromkeys("cxse", st.just("")),
}
old_wire = st.sampled_from(sorted(old_arguments)).flatmap(
    lambda code: st.builds(
        lambda number, arg: f"y1:{code}:{number}:{arg}", incident_ids, old_arguments[code]
    )
)


@given(old_wire)
def test_buttons_already_posted_keep_their_meaning(wire: str) -> None:
    assert new_meaning(wire) == old_meaning(wire)


@given(
    st.one_of(
        st.text(),
        st.builds(
            lambda code, number, arg: f"y1:{code}:{number}:{arg}",
            st.text(max_size=2),
            st.integers(min_value=0).map(str) | st.text(max_size=3),
            st.text(max_size=70),
        ),
    )
)
def test_anything_else_is_a_press_or_stale_never_a_crash(wire: str) -> None:
    try:
        press = unpack(wire)
    except StaleButton:
        return
    assert len(wire.encode()) <= MAX_BYTES
    assert wire.startswith("y1:")
    assert isinstance(press.incident_id, int)


@pytest.mark.parametrize(
    ("wire", "press"),
    [
        ("y1:a:12:0=over500", Answer(12, 0, "over500")),
        ("y1:c:7:", Confirm(7)),
        ("y1:g:7:critical", Regrade(7, "critical")),
        ("y1:x:7:", Cancel(7)),
        ("y1:s:7:", Stabilise(7)),
        ("y1:e:7:", Close(7)),
        ("y1:d:7:report", Done(7, "report")),
        ("y1:p:7:release@0a1b2c3d", Approve(7, "release", "0a1b2c3d")),
        ("y1:r:7:release@0a1b2c3d", Reject(7, "release", "0a1b2c3d")),
    ],
)
def test_each_wire_code_of_the_earlier_layout(wire: str, press: Press) -> None:
    assert unpack(wire) == press
    assert pack(press) == wire


@pytest.mark.parametrize(
    "wire",
    [
        "y1:a:1:x=high",  # an index that is no number
        "y1:a:1:high",
        "y1:p:1:release",  # a decision that names no version
        "y1:c:+1:",
        "y1:c: 1:",
        "y1:c:１:",  # digits Python reads, but never ours
        "y1:q:1:",
        "y2:c:1:",
    ],
)
def test_forged_arguments_are_stale(wire: str) -> None:
    with pytest.raises(StaleButton):
        unpack(wire)
