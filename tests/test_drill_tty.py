"""The interactive drill as a person meets it: in a terminal (a pty), through a pipe, in time."""

import os
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import unicodedata
from datetime import datetime, timedelta
from fcntl import ioctl
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.drill.command import drill
from bot.drill.screen import wrap
from bot.i18n import Translator

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "plans" / "county.yaml"
EXE = shutil.which("yuqing-bot", path=str(Path(sys.executable).parent))
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# a description, 9 (no option), an empty line, then the five answers, and confirm
TYPED = ["网帖说……", "2", "9", "", "2", "2", "2", "1", "1"]
ANSWERS = "".join(f"{line}\n" for line in TYPED)
PROMPTS = ("> ", "舆情内容：")  # the drill waits for a line


def _env(lang: str, **more: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "YUQING_LOCALE": lang, "TERM": "xterm", **more}


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in ANSI.sub("", text))


def _in_pty(columns: int, env: dict[str, str], typed: list[str]) -> str:
    """Run the drill in a pty ``columns`` wide: type each line when asked, then Ctrl-D."""
    assert EXE is not None
    main, side = os.openpty()
    ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    with subprocess.Popen(
        [EXE, "drill", str(COUNTY), "--speed", "max"],
        stdin=side,
        stdout=side,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    ) as process:
        os.close(side)
        seen, lines = b"", iter(typed)
        while True:
            ready, _, _ = select.select([main], [], [], 60)
            assert ready, f"the drill stopped answering:\n{seen.decode(errors='replace')}"
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other side closed: the drill has ended
                break
            seen += chunk
            if ANSI.sub("", seen.decode(errors="replace")).endswith(PROMPTS):
                line = next(lines, None)  # Ctrl-D at a line's start: the end of the input
                os.write(main, b"\x04" if line is None else line.encode() + b"\n")
        assert process.wait(timeout=60) == 0
        assert process.stderr is not None and process.stderr.read() == b""
    os.close(main)
    return seen.decode().replace("\r\n", "\n")


def test_through_a_pipe_each_question_is_shown_once_as_it_is_asked() -> None:
    assert EXE is not None
    done = subprocess.run(
        [EXE, "drill", str(COUNTY), "--speed", "max"],
        input=ANSWERS.encode(),
        capture_output=True,
        env=_env("en"),
        timeout=120,
        check=True,
    )
    out = done.stdout.decode()
    assert "\x1b[" not in out  # not a terminal: no colour
    for question in ("How far has it spread", "Have mainstream media", "What kind of post"):
        assert out.count(question) == 1, question
    # the options once, numbered as they are chosen
    assert out.count("50 or fewer") == 1 and "1) 50 or fewer" in out
    # each answer is echoed before the next question comes, not all at the end
    assert out.index("→ 50-100") < out.index("Have mainstream media") < out.index("→ No")
    assert "“9” is not one of the choices; please type a number from 1 to 2." in out
    assert "Please type the number of your choice (1 to 2)." in out
    assert "confirmed the level “General”" in out  # the answers after the bad ones count


@pytest.mark.parametrize("no_colour", [False, True])
def test_in_a_narrow_terminal_lines_wrap_under_their_indent(no_colour: bool) -> None:
    env = _env("zh_CN", **({"NO_COLOR": "1"} if no_colour else {}))
    out = _in_pty(60, env, TYPED)
    assert ("\x1b[" in out) is not no_colour  # colour in a terminal, unless NO_COLOR
    rows = out.split("\n")
    assert all(_columns(row) <= 60 for row in rows), [r for r in rows if _columns(r) > 60]
    plain = [ANSI.sub("", row) for row in rows]
    task = next(i for i, row in enumerate(plain) if "1. 涉事主体解决网民诉求" in row)
    # the task's line goes on under the card's indent (at most half the width), not at column 0
    assert plain[task + 1].startswith(" " * 29) and plain[task + 1].strip()
    assert "截止" in plain[task + 1] + plain[task + 2]
    assert any(row.startswith("“9”不是可选的编号") for row in plain)


def test_wrapping_breaks_latin_at_spaces_and_never_before_closing_punctuation() -> None:
    stamp = "[03-02 09:00:00 +0:00:00] "
    rows = wrap(stamp + "#1 General · the department involved answers the public", 60)
    assert rows == [
        "[03-02 09:00:00 +0:00:00] #1 General · the department",
        "                          involved answers the public",
    ]
    narrow = wrap(stamp + "#1 General · the department involved answers the public", 40)
    assert narrow[1] == " " * 20 + "the department"  # the indent takes at most half the width
    rows = wrap("  1) 涉事主体解决网民诉求、回应网民关切", 20)
    assert rows == ["  1) 涉事主体解决网", "     民诉求、回应网", "     民关切"]
    assert wrap("一二三四五六七八九，十", 18) == ["一二三四五六七八", "九，十"]  # not "，十"
    coloured = "\x1b[2m[03-02 09:00:00 +0:00:00]\x1b[0m " + "回应" * 20
    assert all(_columns(row) <= 40 for row in wrap(coloured, 40))


async def test_an_action_happens_when_it_is_chosen(tmp_path: Path) -> None:
    """At 60×, thirty minutes' thinking is thirty virtual hours: the reply is met then, late."""
    wall = [0.0]
    typed = iter(["网帖说……", "2", "2", "2", "2", "1", "1", "5"])  # …, confirm, done: the reply

    def ask(prompt: str) -> str:
        line = next(typed, None)
        if line is None:
            raise EOFError
        if line == "5":
            wall[0] += 1800  # the user thinks for half an hour before the reply is done
        return line

    result = await drill(
        Translator("en"), COUNTY, None, 60, START, tmp_path / "d.db", ask=ask, real=lambda: wall[0]
    )
    incident = result.incident
    assert incident is not None
    respond = incident.obligation("respond")
    assert respond.met_at == incident.reported_at + timedelta(hours=30)
    overdue = [h for h in result.heard if h.kind == "reminder" and "overdue" in h.text]
    done = next(i for i, h in enumerate(result.heard) if "done at" in h.text and h.kind == "card")
    # the reminders that fell due while the user thought came first, each at its own time
    assert overdue and all(result.heard.index(h) < done for h in overdue)
    offsets = [h.offset for h in overdue]
    assert offsets == sorted(set(offsets)) and timedelta(hours=24) < offsets[0] < offsets[-1]
    assert offsets[-1] <= result.heard[done].offset == timedelta(hours=30)
