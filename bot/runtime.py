"""Starting the assistant: database, packs and engine, then long polling until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from bot.app import build_application
from bot.config import Settings
from conversations.context import EngineConfig
from conversations.engine import Engine
from knowledge.packs import PackRegistry
from storage import open_database

log = logging.getLogger(__name__)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


@contextlib.asynccontextmanager
async def open_engine(settings: Settings, admin_ids: frozenset[int] | None = None) -> AsyncIterator[Engine]:
    packs = PackRegistry.load(settings.packs)
    if settings.default_framework not in packs:
        raise SystemExit(f"configuration error: SPBE_DEFAULT_FRAMEWORK: unknown pack {settings.default_framework!r}; available: {', '.join(packs.ids())}")
    db = await open_database(settings.database_path)
    config = EngineConfig(
        admin_ids=settings.admin_ids if admin_ids is None else admin_ids,
        default_framework=settings.default_framework,
        default_language=settings.default_language,
    )
    try:
        yield Engine(db, packs, config)
    finally:
        await db.close()


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Poll the Bot API until ``stop`` is set; the database is open for the whole run."""
    assert settings.token
    async with open_engine(settings) as engine:
        application = build_application(engine, settings.token, settings.bot_api_url)
        async with application:
            await application.start()
            await application.updater.start_polling(allowed_updates=["message", "callback_query", "my_chat_member"])  # type: ignore[union-attr]
            log.info("polling as @%s", application.bot.username)
            await stop.wait()
            await application.updater.stop()  # type: ignore[union-attr]
            await application.stop()


def run_polling(settings: Settings) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    asyncio.run(main())
