"""What a running assistant holds open: logging set up, and the engine over its database and packs.

Start-up checks what it needs before it runs (:func:`check_start`): the packs, the database (opened,
checked and migrated; an SQLite file or PostgreSQL, see each backend's ``faults``) and, for the Telegram bot, the token (one
``getMe``). A failure is a :class:`StartFailure` (or a ``ConfigError`` for a setting): one line for
the operator, never the token, and the CLI exits with a non-zero code.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

from bot.config import ConfigError, Settings
from conversations.context import EngineConfig
from conversations.engine import Engine
from knowledge.packs import PackError, PackRegistry
from storage import open_storage
from storage.files import open_file_store

log = logging.getLogger(__name__)


class StartFailure(Exception):
    """The assistant cannot start; the message is one line that says why and what to do."""


class _Redact(logging.Filter):
    """Replaces secrets in every record a handler emits (PTB logs its API URL, which holds the token),
    in the message and in the traceback of an exception logged with it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            record.msg, record.args = self._clean(message), None
        if record.exc_info and not record.exc_text:  # formatted here once; handlers then print this text
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # The job queue's scheduler logs every run of every job (the heartbeat every few seconds).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    redact = _Redact(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def load_packs(settings: Settings) -> PackRegistry:
    """The built-in packs and the operator's (``SPBE_PACKS``); the default framework must be one of them."""
    try:
        packs = PackRegistry.load(settings.packs)
    except PackError as exc:
        raise ConfigError(f"configuration error: SPBE_PACKS: {exc}") from None
    if settings.default_framework not in packs:
        raise ConfigError(f"configuration error: SPBE_DEFAULT_FRAMEWORK: unknown pack {settings.default_framework!r}; "
                          f"available: {', '.join(packs.ids())}")
    return packs


async def check_start(settings: Settings) -> None:
    """Everything the bot needs before it polls: packs, a usable database, a token Telegram accepts.

    Local problems come first (the database, the quickest to check, the evidence store, then the
    packs), so a bad database file is reported even without a network.
    Raises ``ConfigError``, ``StorageError`` or :class:`StartFailure`.
    """
    db = await open_storage(settings.database, pool_size=1)
    await db.close()
    async with open_file_store(settings.file_store()) as files:
        await files.check()
    load_packs(settings)
    if settings.token:
        await check_token(settings)


async def check_token(settings: Settings) -> None:
    """One ``getMe``: Telegram answers 401 to a revoked or mistyped token."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    assert settings.token
    bot = Bot(settings.token, base_url=settings.bot_api_url)
    api = settings.bot_api_url.split("/bot")[0]
    try:
        await bot.initialize()
    except InvalidToken:
        raise StartFailure("Telegram rejected the bot token (SPBE_BOT_TOKEN): it was revoked or mistyped; "
                           "get the current one from @BotFather (/mybots, API Token) and put it in .env") from None
    except NetworkError as exc:
        raise StartFailure(f"cannot reach the Bot API at {api} ({_redacted(str(exc), settings.token)}): "
                           "check the network, or SPBE_BOT_API_URL") from None
    except TelegramError as exc:
        raise StartFailure(f"the Bot API at {api} refused the start ({_redacted(str(exc), settings.token)})") from None
    finally:
        with contextlib.suppress(Exception):
            await bot.shutdown()


def _redacted(text: str, token: str) -> str:
    return " ".join(text.replace(token, "<token>").split())


@contextlib.asynccontextmanager
async def open_engine(settings: Settings, admin_ids: frozenset[int] | None = None) -> AsyncIterator[Engine]:
    db = await open_storage(settings.database, pool_size=settings.database_pool_size)
    try:
        packs = load_packs(settings)
    except BaseException:
        await db.close()
        raise
    config = EngineConfig(
        admin_ids=settings.admin_ids if admin_ids is None else admin_ids,
        default_framework=settings.default_framework,
        default_language=settings.default_language,
        timezone=settings.timezone,
        bot_id=settings.bot_id,
    )
    try:
        async with open_file_store(settings.file_store()) as files:
            await files.check()
            yield Engine(db, packs, config, files=files)
    finally:
        await db.close()
