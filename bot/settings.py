"""Deployment settings from ``YUQING_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.addresses import is_host, is_url, server_url_ok
from bot.domain.messages import N_
from bot.domain.text import LANGUAGES
from bot.service.shelf import MB, Shelf
from bot.store.opening import is_server_url

ENV_PREFIX = "YUQING_"
CONFIG = SettingsConfigDict(
    env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
)
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram's setWebhook accepts

# What each setting allows, said in a line; every field has one (tests check).
ALLOWED = {
    "telegram_token": N_("settings.allowed.telegram_token"),
    "telegram_api_url": N_("settings.allowed.telegram_api_url"),
    "database": N_("settings.allowed.database"),
    "plans": N_("settings.allowed.plans"),
    "locale": N_("settings.allowed.locale"),
    "timezone": N_("settings.allowed.timezone"),
    "webhook_url": N_("settings.allowed.webhook_url"),
    "webhook_secret": N_("settings.allowed.webhook_secret"),
    "webhook_listen": N_("settings.allowed.webhook_listen"),
    "webhook_port": N_("settings.allowed.webhook_port"),
    "wecom_bot_id": N_("settings.allowed.wecom_bot_id"),
    "wecom_secret": N_("settings.allowed.wecom_secret"),
    "wecom_ws_url": N_("settings.allowed.wecom_ws_url"),
    "wecom_webhook_url": N_("settings.allowed.wecom_webhook_url"),
    "wecom_webhooks": N_("settings.allowed.wecom_webhooks"),
    "evidence_dir": N_("settings.allowed.evidence_dir"),
    "evidence_max_file_mb": N_("settings.allowed.evidence_max_mb"),
    "evidence_max_incident_mb": N_("settings.allowed.evidence_max_mb"),
    "outbox_keep_days": N_("settings.allowed.outbox_keep_days"),
    "http_port": N_("settings.allowed.http_port"),
    "http_listen": N_("settings.allowed.webhook_listen"),
    "log_format": N_("settings.allowed.log_format"),
    "log_level": N_("settings.allowed.log_level"),
}
# never quoted back (the robot keys are each group's whole credential)
SECRET = frozenset(
    {"telegram_token", "webhook_secret", "wecom_secret", "wecom_webhooks", "database"}
)
_WECOM_TOKEN = re.compile(r"[A-Za-z0-9_@.-]{1,128}")  # chat ids and robot keys: no spaces


class Settings(BaseSettings):
    """Everything a deployment configures; built once, in the composition root."""

    model_config = CONFIG

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database: str = "yuqing.db"  # a SQLite file, or postgresql://user:password@host/name
    plans: Path = Path("plans")
    locale: str = "zh_CN"
    timezone: str | None = None
    webhook_url: str | None = None  # set to receive updates by webhook instead of polling
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    wecom_bot_id: str | None = None  # the 智能机器人's BotID (long-connection API mode)
    wecom_secret: SecretStr | None = None  # its long-connection Secret
    wecom_ws_url: str = "wss://openws.work.weixin.qq.com"  # private deployments have their own
    wecom_webhook_url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    # chatid -> robot key, given as JSON (decoded here, so a bad value is one line like the rest)
    wecom_webhooks: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)
    evidence_dir: Path | None = None  # attached files; default <database>.evidence beside it
    evidence_max_file_mb: float = Field(20.0, gt=0, le=2048)  # Telegram bots get ≤ 20 MB
    evidence_max_incident_mb: float = Field(200.0, gt=0, le=1024 * 1024)
    outbox_keep_days: float = Field(30.0, gt=0, le=36500)  # sent messages, then forgotten
    http_port: int | None = Field(None, ge=1, le=65535)  # /healthz and /metrics; None: off
    http_listen: str = "127.0.0.1"  # a container sets 0.0.0.0 to be scraped from outside
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def shelf(self) -> Shelf:
        """Where attached files are kept, and the size limits."""
        return Shelf.beside(
            self.database_file,
            self.evidence_dir,
            max_file=int(self.evidence_max_file_mb * MB),
            max_incident=int(self.evidence_max_incident_mb * MB),
        )

    @property
    def database_file(self) -> Path:
        """The SQLite file; with a server, where its run lock and evidence folder go by name."""
        return Path("yuqing.db") if is_server_url(self.database) else Path(self.database)

    @property
    def keep_sent(self) -> timedelta:
        """How long sent outbox messages are kept."""
        return timedelta(days=self.outbox_keep_days)

    @property
    def telegram(self) -> bool:
        """Whether Telegram is configured (its token is set)."""
        return self.telegram_token is not None and bool(self.telegram_token.get_secret_value())

    @property
    def wecom(self) -> bool:
        """Whether WeCom is configured (its BotID and Secret are both set)."""
        secret = self.wecom_secret.get_secret_value() if self.wecom_secret else ""
        return bool(self.wecom_bot_id) and bool(secret)

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        text = str(value).strip()
        if not text or "\0" in text:
            raise ValueError("empty")
        if "://" in text and not is_server_url(text):
            raise ValueError("not a postgresql:// URL")
        if is_server_url(text) and not server_url_ok(text):
            raise ValueError("not a usable postgresql:// URL")
        return text

    @field_validator("evidence_dir", "http_port", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value in (None, "") else value

    @field_validator("wecom_bot_id", mode="before")
    @classmethod
    def _wecom_bot_id(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not _WECOM_TOKEN.fullmatch(str(value)):
            raise ValueError("not a BotID")
        return value

    @field_validator("wecom_ws_url")
    @classmethod
    def _wecom_ws_url(cls, value: str) -> str:
        if not is_url(value, ("ws", "wss")):
            raise ValueError("not a ws(s) URL")
        return value

    @field_validator("wecom_webhook_url")
    @classmethod
    def _wecom_webhook_url(cls, value: str) -> str:
        if not is_url(value, ("http", "https")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("wecom_webhooks", mode="before")
    @classmethod
    def _wecom_webhooks(cls, value: object) -> object:
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("not JSON") from None
        pairs = value.items() if isinstance(value, dict) else [("", "")]
        if not all(isinstance(v, str) and _WECOM_TOKEN.fullmatch(v) for p in pairs for v in p):
            raise ValueError("not a JSON object of group chatid to robot key")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not is_url(value, ("http", "https")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("locale", mode="before")
    @classmethod
    def _locale(cls, value: object) -> object:
        wanted = str(value).strip().replace("-", "_").lower()
        for lang in LANGUAGES:
            if wanted == lang.lower():
                return lang
        raise ValueError("unsupported locale")

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: object) -> object:
        if value in (None, ""):
            return None
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("unknown time zone") from None
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        if value in (None, ""):  # empty: long polling
            return None
        if not is_url(str(value), ("https",)):
            raise ValueError("not an https URL")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object) -> object:
        if value in (None, ""):
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not _WEBHOOK_SECRET.fullmatch(raw):
            raise ValueError("not a valid webhook secret")
        return value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower_or_upper(cls, value: object, info: ValidationInfo) -> object:
        text = str(value).strip()
        return text.lower() if info.field_name == "log_format" else text.upper()

    @field_validator("webhook_listen", "http_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        if not is_host(value):
            raise ValueError("not an IP address or host name")
        return value
