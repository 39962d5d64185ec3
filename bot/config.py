"""Configuration from the environment and an optional ``.env`` file (pydantic-settings).

Every command reads its settings through one of these classes, so a setting in ``.env`` means the
same to ``run``, ``console``, the database commands and the knowledge commands, and each variable is
parsed in one place. The database commands read only :class:`StorageSettings` and the knowledge
commands only :class:`PackSettings`: a malformed token does not stop a backup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:  # storage is imported by the commands that use it: `ask` starts faster
    from storage.files import FileStoreConfig

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE = "data/spbe.sqlite3"
S = TypeVar("S", bound=BaseSettings)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class _FromEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPBE_", env_file=".env", env_file_encoding="utf-8", extra="ignore")


class StorageSettings(_FromEnvironment):
    """What the database commands need (``db status``, ``db upgrade``, ``db copy``, ``backup``, ``evidence``).

    ``SPBE_DATABASE_URL`` (``postgresql://user:password@host:5432/name``) selects PostgreSQL, for
    several replicas on one database; without it the database is the SQLite file at
    ``SPBE_DATABASE_PATH`` (which ``db copy`` then reads as its source)."""

    database_path: Path = Field(default=Path(DEFAULT_DATABASE), description="SQLite database file")
    database_url: SecretStr | None = Field(default=None, description="PostgreSQL URL; when set, used instead of the SQLite file")
    database_pool_size: int = Field(default=10, ge=1, le=200, description="PostgreSQL connections each process keeps at most")
    evidence_dir: Path | None = Field(default=None, description="folder of the evidence files (default: 'evidence' beside the database)")
    evidence_s3_bucket: str | None = Field(default=None, description="keep evidence files in this S3 bucket instead")
    evidence_s3_prefix: str = Field(default="evidence/", description="key prefix of the evidence files in the bucket")
    evidence_s3_endpoint: str | None = Field(default=None, description="S3-compatible endpoint (MinIO, Ceph...); default AWS")
    evidence_s3_region: str | None = Field(default=None, description="the bucket's region")

    @field_validator("database_path", mode="before")
    @classmethod
    def _check_path(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError(f"is empty: name the SQLite file (default {DEFAULT_DATABASE})")
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not value.startswith(("postgresql://", "postgres://")):
                raise ValueError("must be a PostgreSQL URL, postgresql://user:password@host:5432/name "
                                 "(for an SQLite file, set SPBE_DATABASE_PATH instead)")
        return value

    @property
    def database(self) -> str | Path:
        """Where the records are: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else self.database_path

    @property
    def database_password(self) -> str | None:
        """The PostgreSQL password in the URL, if any: kept out of every log line like the token."""
        if not self.database_url:
            return None
        from urllib.parse import urlsplit

        return urlsplit(self.database_url.get_secret_value()).password

    @field_validator("evidence_dir", "evidence_s3_bucket", "evidence_s3_endpoint", "evidence_s3_region", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def file_store(self) -> FileStoreConfig:
        """Where evidence files are kept: the bucket when one is named, else the folder."""
        from storage.files import FileStoreConfig

        return FileStoreConfig(
            folder=self.evidence_dir or self.database_path.parent / "evidence", bucket=self.evidence_s3_bucket,
            prefix=self.evidence_s3_prefix, endpoint_url=self.evidence_s3_endpoint, region=self.evidence_s3_region,
        )


class PackSettings(_FromEnvironment):
    """What the knowledge commands need: the operator's extra pack files."""

    packs: Annotated[tuple[Path, ...], NoDecode] = Field(default=(), description="extra pack files")

    @field_validator("packs", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        """``SPBE_PACKS``: paths separated by the OS path separator (``:``; ``;`` on Windows)."""
        if isinstance(value, str):
            return tuple(Path(p.strip()) for p in value.split(os.pathsep) if p.strip())
        return value


class ReportSettings(StorageSettings, PackSettings):
    """What the deliverables need, for the bot and for ``spbe-bot export`` alike."""

    default_language: Literal["id", "en"] = "id"
    timezone: str = Field(default="Asia/Jakarta", description="time zone of deadlines and reminder hours")
    minutes_template: Path | None = Field(default=None, description="the operator's berita acara template (.docx)")

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)") from None
        return value

    @field_validator("minutes_template", mode="before")
    @classmethod
    def _check_template(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if value is not None and not Path(str(value)).is_file():
            raise ValueError(f"{value} is not a file: name a .docx template (spbe-bot minutes-template writes the built-in one)")
        return value


class Settings(ReportSettings):
    bot_token: SecretStr | None = Field(default=None, description="Telegram bot token from @BotFather")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset(), description="operators' Telegram user ids")
    default_framework: str = "spbe-2020"
    bot_api_url: str = Field(default=DEFAULT_API_URL, description="Bot API base URL (self-hosted servers, tests)")
    group_summary_seconds: float = Field(default=30, ge=0, description="at most one edit of a group's summary per this many seconds")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Webhook mode (docs/deploy.md): set by the URL; without it the bot long-polls.
    webhook_url: str | None = Field(default=None, description="public HTTPS URL Telegram posts updates to")
    webhook_listen: str = Field(default="127.0.0.1", description="address the webhook server listens on")
    webhook_port: int = Field(default=8080, ge=1, le=65535, description="port the webhook server listens on")
    webhook_secret: SecretStr | None = Field(default=None, description="secret_token Telegram sends with every update")
    webhook_max_connections: int = Field(default=40, ge=1, le=100, description="Telegram's simultaneous connections to the webhook")
    replicas: int = Field(default=1, ge=1, le=100, description="processes serving this bot; each sends at send_rate / replicas")
    send_rate: float = Field(default=30, gt=0, description="messages a second the bot may send in all (Telegram's limit per bot)")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(f"expected comma-separated Telegram user ids, got {value!r}") from None
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _check_token(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            head, _, tail = value.partition(":")
            if not head.isdigit() or len(tail) < 10:
                raise ValueError("does not look like a BotFather token (digits, a colon, then the secret)")
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _check_webhook_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            parts = urlsplit(value)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ValueError("must be the public HTTPS URL Telegram posts to, e.g. https://spbe.example.go.id/telegram/spbe")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _check_secret(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not _SECRET.fullmatch(value):
                raise ValueError("must be 1 to 256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token)")
        return value

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None

    @property
    def secrets(self) -> list[str]:
        """What no output may show: the token, the webhook's secret token and the database password."""
        secrets = [self.token, self.webhook_secret_token, self.database_password] if self.token else [self.database_password]
        return [secret for secret in secrets if secret]

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL, where the server takes updates (the reverse proxy keeps it)."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def webhook_secret_token(self) -> str:
        """``SPBE_WEBHOOK_SECRET``, or one derived from the token when it is not set: the same in every
        replica without a setting to share, and a new one with a new token."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        digest = hmac.new((self.token or "").encode(), b"spbe-bot webhook secret_token", hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @property
    def bot_id(self) -> int:
        """The bot's Telegram user id: the digits before the token's colon (0 without a token)."""
        return int(self.token.partition(":")[0]) if self.token else 0


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise :class:`ConfigError` with one clear line when one is wrong."""
    return load(Settings, **overrides)


def load(kind: type[S], **overrides: object) -> S:
    """Read the settings of ``kind`` (:class:`Settings`, :class:`StorageSettings`, :class:`PackSettings`)."""
    try:
        return kind(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "SPBE_" + str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"configuration error: {name}: {message}") from None
