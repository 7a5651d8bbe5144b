"""Settings: each refused YUQING_* value is one translated line naming it, and exit status 2."""

import os
from pathlib import Path

import pytest

from bot.cli import run
from bot.settings import ALLOWED, Settings

PORT_LINE = "Setting YUQING_WEBHOOK_PORT=“{}” is not valid: use a whole number from 1 to 65535."


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No YUQING_* from the machine running the tests, and no .env but the test's own."""
    for name in list(os.environ):
        if name.startswith("YUQING_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str
) -> list[str]:
    """Run ``plan-schema`` with ``env`` set; assert exit 2 and no output; the stderr lines."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = run(["plan-schema"], settings=None)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "Traceback" not in err and "validation error" not in err and "Input should" not in err
    return err.splitlines()


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("YUQING_WEBHOOK_PORT", "99999", "a whole number from 1 to 65535"),
        ("YUQING_WEBHOOK_PORT", "0", "a whole number from 1 to 65535"),
        ("YUQING_WEBHOOK_PORT", "-1", "a whole number from 1 to 65535"),
        ("YUQING_WEBHOOK_PORT", "abc", "a whole number from 1 to 65535"),
        ("YUQING_WEBHOOK_PORT", "8443.5", "a whole number from 1 to 65535"),
        ("YUQING_LOCALE", "fr", "zh_CN or en"),
        ("YUQING_TELEGRAM_API_URL", "ftp://api.example.org/bot", "an http:// or https:// URL"),
        ("YUQING_TELEGRAM_API_URL", "api.telegram.org/bot", "an http:// or https:// URL"),
        ("YUQING_TELEGRAM_API_URL", "https://", "an http:// or https:// URL"),
        ("YUQING_TELEGRAM_API_URL", "http://host:99999/bot", "an http:// or https:// URL"),
        ("YUQING_WEBHOOK_URL", "http://bot.example.org/hook", "an https:// URL"),
        ("YUQING_WEBHOOK_URL", "bot.example.org/hook", "an https:// URL"),
        ("YUQING_WEBHOOK_LISTEN", "bad host!", "an IP address (e.g. 0.0.0.0) or a host name"),
        ("YUQING_WEBHOOK_LISTEN", "300.1.1.1", "an IP address (e.g. 0.0.0.0) or a host name"),
        ("YUQING_TIMEZONE", "Mars/Base", "a time zone name, e.g. Asia/Shanghai"),
        ("YUQING_TIMEZONE", "../../etc/passwd", "a time zone name, e.g. Asia/Shanghai"),
        ("YUQING_WECOM_BOT_ID", "bot id with spaces", "the AI bot's BotID"),
        ("YUQING_WECOM_WS_URL", "https://openws.work.weixin.qq.com", "the long-connection URL"),
        ("YUQING_WECOM_WS_URL", "openws.work.weixin.qq.com", "the long-connection URL"),
        ("YUQING_WECOM_WEBHOOK_URL", "ftp://qyapi.weixin.qq.com/", "the group robot"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    allowed: str,
) -> None:
    env = (
        {variable: value}
        if variable == "YUQING_LOCALE"
        else {variable: value, "YUQING_LOCALE": "en"}
    )
    lines = refused(monkeypatch, capsys, **env)
    if variable == "YUQING_LOCALE":  # the language itself is wrong: the default one is used
        assert lines == ["设置 YUQING_LOCALE 的值“fr”无效，应为：zh_CN 或 en。"]
    else:
        assert len(lines) == 1
        assert lines[0].startswith(f"Setting {variable}=“{value}” is not valid: use {allowed}")


def test_every_bad_setting_gets_its_own_line_in_the_chosen_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = refused(
        monkeypatch,
        capsys,
        YUQING_WEBHOOK_PORT="99999",
        YUQING_WEBHOOK_URL="http://bot.example.org/",
    )
    assert lines == [
        "设置 YUQING_WEBHOOK_URL 的值“http://bot.example.org/”无效，"
        "应为：以 https:// 开头的网址（留空则使用长轮询）。",
        "设置 YUQING_WEBHOOK_PORT 的值“99999”无效，应为：1 至 65535 之间的整数。",
    ]


def test_a_secret_is_never_quoted_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = refused(monkeypatch, capsys, YUQING_LOCALE="en", YUQING_WEBHOOK_SECRET="my secret!")
    assert lines == [
        "Setting YUQING_WEBHOOK_SECRET is not valid (its value is not shown): "
        "use 1 to 256 characters: letters A–Z and a–z, digits, _ and -."
    ]


def test_a_value_with_line_breaks_stays_on_one_short_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = refused(monkeypatch, capsys, YUQING_LOCALE="en", YUQING_WEBHOOK_PORT="1\n2" + "9" * 500)
    assert len(lines) == 1
    assert (
        lines[0].startswith("Setting YUQING_WEBHOOK_PORT=“1\\n2999") and "9" * 100 not in lines[0]
    )


def test_settings_from_the_env_file_are_checked_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("YUQING_LOCALE=en\nYUQING_WEBHOOK_PORT=70000\n", "utf-8")
    assert refused(monkeypatch, capsys) == [PORT_LINE.format("70000")]


def test_an_env_file_that_is_not_utf8_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_bytes(b"YUQING_DATABASE=\xff\xfe.db\n")
    assert refused(monkeypatch, capsys, YUQING_LOCALE="en") == [
        "The settings file .env is not UTF-8 text; please save it as UTF-8."
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_env_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("YUQING_LOCALE=en\n", "utf-8")
    env_file.chmod(0)
    lines = refused(monkeypatch, capsys, YUQING_LOCALE="en")
    assert lines == ["Cannot read the settings file .env: Permission denied"]


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("YUQING_WEBHOOK_PORT", "1", "webhook_port", 1),
        ("YUQING_WEBHOOK_PORT", "65535", "webhook_port", 65535),
        ("YUQING_LOCALE", "EN", "locale", "en"),
        ("YUQING_LOCALE", "zh-cn", "locale", "zh_CN"),
        ("YUQING_WEBHOOK_LISTEN", "::", "webhook_listen", "::"),
        ("YUQING_WEBHOOK_LISTEN", "localhost", "webhook_listen", "localhost"),
        ("YUQING_WEBHOOK_LISTEN", "bot-1.internal.", "webhook_listen", "bot-1.internal."),
        ("YUQING_WEBHOOK_URL", "", "webhook_url", None),  # empty: long polling
        (
            "YUQING_WEBHOOK_URL",
            "https://bot.example.org:8443/y",
            "webhook_url",
            "https://bot.example.org:8443/y",
        ),
        (
            "YUQING_TELEGRAM_API_URL",
            "http://127.0.0.1:8081/bot",
            "telegram_api_url",
            "http://127.0.0.1:8081/bot",
        ),
        ("YUQING_TIMEZONE", "Europe/Berlin", "timezone", "Europe/Berlin"),
        ("YUQING_TIMEZONE", "", "timezone", None),
        ("YUQING_WEBHOOK_SECRET", "", "webhook_secret", None),
    ],
)
def test_good_values_are_accepted(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert getattr(settings, field) == expected


def test_every_setting_says_what_it_allows() -> None:
    assert set(ALLOWED) == set(Settings.model_fields)


@pytest.mark.parametrize(
    "value", ['{"wrGROUP": "key with space"}', '["wrGROUP"]', "not json", '{"wr G": "k"}']
)
def test_the_robot_keys_are_never_quoted_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    lines = refused(monkeypatch, capsys, YUQING_LOCALE="en", YUQING_WECOM_WEBHOOKS=value)
    assert len(lines) == 1 and "key with space" not in lines[0] and "wrGROUP" not in lines[0]
    assert lines[0].startswith("Setting YUQING_WECOM_WEBHOOKS is not valid (its value is not")


def test_wecom_runs_when_both_its_credentials_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Settings(_env_file=None).wecom  # type: ignore[call-arg]
    monkeypatch.setenv("YUQING_WECOM_BOT_ID", "aibBOT1")
    assert not Settings(_env_file=None).wecom  # type: ignore[call-arg]
    monkeypatch.setenv("YUQING_WECOM_SECRET", "s3cret")
    monkeypatch.setenv("YUQING_WECOM_WEBHOOKS", '{"wrGROUP": "693a91f6-7xxx"}')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.wecom and not settings.telegram
    assert settings.wecom_ws_url == "wss://openws.work.weixin.qq.com"
    assert settings.wecom_webhooks["wrGROUP"].get_secret_value() == "693a91f6-7xxx"
