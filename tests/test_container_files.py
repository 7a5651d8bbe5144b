"""The Dockerfile and compose.yaml name only real settings, and agree on the health port."""

import re
from pathlib import Path

from ruamel.yaml import YAML

from bot.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {ENV_PREFIX + name.upper() for name in Settings.model_fields}


def compose() -> dict:
    return YAML(typ="safe").load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_every_yuqing_variable_in_the_container_files_is_a_setting() -> None:
    for name in ("Dockerfile", "compose.yaml", "docs/operations.md"):
        named = set(
            re.findall(r"\bYUQING_[A-Z_]*[A-Z]\b(?!_)", (ROOT / name).read_text(encoding="utf-8"))
        )
        assert named and named <= SETTINGS, (name, named - SETTINGS)


def test_compose_runs_the_bot_on_postgresql_with_health_and_metrics() -> None:
    services = compose()["services"]
    bot, database = services["bot"], services["postgres"]
    env = bot["environment"]
    assert env["YUQING_DATABASE"].startswith("postgresql://")
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in database
    assert bot["ports"] == [env["YUQING_HTTP_PORT"]]  # a free host port for each replica
    assert env["YUQING_HTTP_LISTEN"] == "0.0.0.0"


def test_the_image_checks_health_on_the_port_it_serves_and_copies_what_the_wheel_needs() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    port = re.search(r"YUQING_HTTP_PORT=(\d+)", text)
    assert port is not None
    assert f"http://127.0.0.1:{port.group(1)}/healthz" in text
    assert f"EXPOSE {port.group(1)}" in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    included = re.findall(r'^"(\w+)" = "bot/_data/', pyproject, flags=re.M)
    for folder in ["bot", *included]:
        assert f"COPY {folder} ./{folder}" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and not {"bot", "locales", "plans"} & set(ignored)
