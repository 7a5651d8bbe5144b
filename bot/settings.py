"""Deployment settings from ``YUQING_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a deployment configures; built once, in the composition root."""

    model_config = SettingsConfigDict(
        env_prefix="YUQING_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database: Path = Path("yuqing.db")
    plans: Path = Path("plans")
    locale: str = "zh_CN"
    timezone: str | None = None
    webhook_url: str | None = None  # set to receive updates by webhook instead of polling
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
