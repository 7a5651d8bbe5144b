"""The drill as people run it, in a real process: bytes that are not UTF-8, and Ctrl-C."""

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "plans" / "county.yaml"
SCRIPT = ROOT / "plans" / "drills" / "county.yaml"
EXE = shutil.which("yuqing-bot", path=str(Path(sys.executable).parent))
ANSWERS = "网帖说……\n2\n2\n2\n2\n1\n".encode()  # a description, then the five questions
REPORT = "—— Drill report #1: General, awaiting a leader's confirmation ——"
SUMMARY = "Total: 0 on time, 0 reported late, 0 done late, 0 breached, 1 open."


def _ctrl_c_as_usual() -> None:
    # a test runner started in the background may ignore SIGINT, and children inherit that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class DrillProcess:
    """``yuqing-bot drill`` in English, its stdin a pipe, its stdout read as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen = b""

    @classmethod
    async def start(cls, cwd: Path, *args: str) -> "DrillProcess":
        assert EXE is not None, "the yuqing-bot console script is not installed"
        process = await asyncio.create_subprocess_exec(
            EXE,
            "drill",
            *args,
            env={"PATH": os.environ.get("PATH", ""), "YUQING_LOCALE": "en"},
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=_ctrl_c_as_usual,
        )
        return cls(process)

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    async def shown(self, text: str, timeout: float = 30) -> None:
        """Wait until ``text`` has appeared on stdout."""
        assert self.process.stdout is not None
        while text.encode() not in self.seen:
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), timeout)
            assert chunk, f"the drill ended before showing {text!r}:\n{self.seen.decode()}"
            self.seen += chunk

    async def finish(
        self, close_input: bool = False, timeout: float = 30
    ) -> tuple[int, list[str], str]:
        """Wait for the end (closing stdin first if asked): exit status, stdout's lines, stderr.

        Left open, stdin cannot end the drill: only the signal the test sent can.
        """
        process = self.process
        assert process.stdin and process.stdout and process.stderr
        if close_input:
            process.stdin.close()
        out, err, code = await asyncio.wait_for(
            asyncio.gather(process.stdout.read(), process.stderr.read(), process.wait()), timeout
        )
        return code, (self.seen + out).decode().splitlines(), err.decode()


def after(lines: Sequence[str], marker: str) -> list[str]:
    """The lines after the last one that ends with ``marker``."""
    index = max(i for i, line in enumerate(lines) if line.endswith(marker))
    return list(lines[index + 1 :])


async def test_bytes_that_are_not_utf8_are_asked_again(tmp_path: Path) -> None:
    drill = await DrillProcess.start(tmp_path, str(COUNTY), "--speed", "max")
    drill.send(b"\xff\xfe\n" + ANSWERS + b"\xc3\n1\n")  # two bad lines, each asked again
    code, lines, err = await drill.finish(close_input=True)  # EOF ends it, with the report
    assert code == 0 and err == ""
    text = "\n".join(lines)
    bad = "That line could not be read (it is not UTF-8 text); please type it again."
    assert text.count(bad) == 2
    assert "Describe the post you found:" + bad in text  # the description is asked again
    assert "confirmed the level “General”" in text  # and the answers after the bad line count
    assert "—— Drill report #1: General, in progress ——" in text


async def test_ctrl_c_at_a_question_prints_the_report_so_far(tmp_path: Path) -> None:
    drill = await DrillProcess.start(tmp_path, str(COUNTY), "--speed", "600")
    drill.send(ANSWERS)
    await drill.shown("What next?")
    await drill.shown(") End the drill\n> ")  # waiting for the user's choice (the last one)
    drill.process.send_signal(signal.SIGINT)
    code, lines, err = await drill.finish()
    assert code == 130
    assert "Traceback" not in err and err == ""
    assert after(lines, "> ")[:2] == ["Drill interrupted (Ctrl-C).", REPORT]
    assert lines[-1] == SUMMARY


async def test_ctrl_c_before_any_report_ends_quietly(tmp_path: Path) -> None:
    drill = await DrillProcess.start(tmp_path, str(COUNTY), "--speed", "max")
    await drill.shown("Describe the post you found:")
    drill.process.send_signal(signal.SIGINT)
    code, lines, err = await drill.finish()
    assert code == 130 and err == ""
    assert lines[-1] == "Drill interrupted (Ctrl-C)."  # no incident yet: no report


async def test_ctrl_c_in_a_slow_scripted_drill_prints_the_report_so_far(tmp_path: Path) -> None:
    drill = await DrillProcess.start(tmp_path, str(COUNTY), "--script", str(SCRIPT), "--speed=600")
    await drill.shown("grading question 5/5")  # at 600×, the script's next step is seconds away
    drill.process.send_signal(signal.SIGINT)
    code, lines, err = await drill.finish()
    assert code == 130, err
    assert "Traceback" not in err and err == ""
    interrupted = lines.index("Drill interrupted (Ctrl-C).")
    assert lines[interrupted + 1].startswith("—— Drill report #1: ")
    assert lines[-1].startswith("Total: ")
