"""The ops settings (YUQING_HTTP_*, YUQING_LOG_*) and the JSON log line."""

import json
import logging
import sys

import pytest
from test_settings import clean_env, refused

from bot.ops.logs import JsonLines
from bot.settings import Settings

__all__ = ["clean_env"]  # the autouse fixture: no YUQING_* from the machine running the tests


def test_http_port_is_off_unless_given_and_log_words_are_read_loosely(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YUQING_HTTP_PORT", "")
    monkeypatch.setenv("YUQING_LOG_FORMAT", " JSON ")
    monkeypatch.setenv("YUQING_LOG_LEVEL", "debug")
    found = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (found.http_port, found.http_listen) == (None, "127.0.0.1")
    assert (found.log_format, found.log_level) == ("json", "DEBUG")


def test_bad_ops_settings_are_one_line_each(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = refused(
        monkeypatch,
        capsys,
        YUQING_LOCALE="en",
        YUQING_HTTP_PORT="0",
        YUQING_HTTP_LISTEN="not a host",
        YUQING_LOG_FORMAT="xml",
        YUQING_LOG_LEVEL="loud",
    )
    assert lines == [
        "Setting YUQING_HTTP_PORT=“0” is not valid: use a whole number from 1 to 65535;"
        " empty turns /healthz and /metrics off.",
        "Setting YUQING_HTTP_LISTEN=“not a host” is not valid: use an IP address"
        " (e.g. 0.0.0.0) or a host name.",
        "Setting YUQING_LOG_FORMAT=“xml” is not valid: use text (one line of text per"
        " record) or json (one JSON object per line).",
        "Setting YUQING_LOG_LEVEL=“LOUD” is not valid: use DEBUG, INFO, WARNING or ERROR.",
    ]


def test_a_json_log_record_is_one_line_with_its_traceback_inside() -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        info = sys.exc_info()
    record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "tick %s 失败", ("#3",), info)
    line = JsonLines().format(record)
    assert "\n" not in line
    found = json.loads(line)
    assert found["level"] == "ERROR" and found["logger"] == "bot.x"
    assert found["message"] == "tick #3 失败" and found["time"].endswith("Z")
    assert found["exception"].startswith("Traceback") and "boom" in found["exception"]
