from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import SMALL_PLAN, T0, small_plan

from bot.domain.errors import PlanError
from bot.service.buttons import (
    MAX_BYTES,
    Answer,
    Confirm,
    Done,
    Press,
    Regrade,
    StaleButton,
    pack,
    unpack,
)
from bot.service.clock import ManualClock, SystemClock
from bot.service.plans import PlanBook, UnknownChat

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "data",
    [
        Answer(1, 0, "over500"),
        Confirm(123456789),
        Regrade(7, "critical"),
        Done(7, "x" * 32),
        Answer(2**40, 99, "o" * 32),
        Regrade(2**40, "l" * 32),
    ],
)
def test_button_data_round_trips_within_64_bytes(data: Press) -> None:
    packed = pack(data)
    assert len(packed.encode()) <= MAX_BYTES
    assert unpack(packed) == data


def test_button_data_over_64_bytes_is_refused_when_drawn() -> None:
    with pytest.raises(ValueError):
        pack(Done(1, "o" * 60))


@pytest.mark.parametrize(
    "wire",
    ["", "hello", "y1:z:1:", "y0:c:1:", "y1:c:one:", "y1:c:-:", "y1:c", "y1:d:1:" + "9" * 70],
)
def test_forged_or_stale_button_data(wire: str) -> None:
    with pytest.raises(StaleButton) as caught:
        unpack(wire)
    assert caught.value.key == "error.stale_button"


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(T0)
    assert clock.now() == T0
    assert clock.advance(timedelta(hours=2)) == T0 + timedelta(hours=2)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))  # naive


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_plan_book_binds_chats_to_plans() -> None:
    book = PlanBook.load(ROOT / "plans")
    county = book.get("county")
    assert book.for_chat(f"telegram:{county.chats.telegram[0]}") is county
    assert len(book.chats()) == sum(len(plan.chats.telegram) for plan in book)
    with pytest.raises(UnknownChat) as caught:
        book.for_chat("telegram:1")
    assert caught.value.params == {"chat": "telegram:1"}


@pytest.mark.parametrize(
    ("second", "key"),
    [
        (SMALL_PLAN, "error.plan_duplicate_id"),
        (
            SMALL_PLAN.replace("id: small", "id: other").replace(
                "people:", "chats: {telegram: [-5]}\npeople:"
            ),
            "error.chat_bound_twice",
        ),
    ],
)
def test_plan_book_refuses_ambiguous_plans(second: str, key: str) -> None:
    first = small_plan(SMALL_PLAN.replace("people:", "chats: {telegram: [-5]}\npeople:"))
    with pytest.raises(PlanError) as caught:
        PlanBook([first, small_plan(second)])
    assert caught.value.key == key


def test_plan_book_needs_plans(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        PlanBook.load(tmp_path)
    assert caught.value.key == "error.no_plans"


def test_default_timezone_applies_to_plans_without_one(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SMALL_PLAN, encoding="utf-8")
    explicit = SMALL_PLAN.replace("id: small", "id: other\ntimezone: Asia/Urumqi")
    (tmp_path / "b.yaml").write_text(explicit, encoding="utf-8")
    book = PlanBook.load(tmp_path, "Europe/Berlin")
    assert book.get("small").timezone == "Europe/Berlin"
    assert book.get("other").timezone == "Asia/Urumqi"
    assert PlanBook.load(tmp_path).get("small").timezone == "Asia/Shanghai"
    with pytest.raises(PlanError) as caught:
        PlanBook.load(tmp_path, "Mars/Base")
    assert caught.value.key == "error.bad_timezone_setting"
