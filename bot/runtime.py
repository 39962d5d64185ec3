"""What a running assistant holds open: logging set up, and the engine over its database and packs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

from bot.config import Settings
from conversations.context import EngineConfig
from conversations.engine import Engine
from knowledge.packs import PackRegistry
from storage import open_database

log = logging.getLogger(__name__)


class _Redact(logging.Filter):
    """Replaces secrets in every record a handler emits (PTB logs its API URL, which holds the token)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<token>")
            record.msg, record.args = message, None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    redact = _Redact(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


@contextlib.asynccontextmanager
async def open_engine(settings: Settings, admin_ids: frozenset[int] | None = None) -> AsyncIterator[Engine]:
    packs = PackRegistry.load(settings.packs)
    if settings.default_framework not in packs:
        raise SystemExit(f"configuration error: SPBE_DEFAULT_FRAMEWORK: unknown pack {settings.default_framework!r}; "
                         f"available: {', '.join(packs.ids())}")
    db = await open_database(settings.database_path)
    config = EngineConfig(
        admin_ids=settings.admin_ids if admin_ids is None else admin_ids,
        default_framework=settings.default_framework,
        default_language=settings.default_language,
        timezone=settings.timezone,
    )
    try:
        yield Engine(db, packs, config)
    finally:
        await db.close()
