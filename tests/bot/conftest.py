"""The real PTB Application polling the fake Bot API on 127.0.0.1, with a fresh database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.runtime import open_engine
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser

OPERATOR_ID = 9001


class BotRun:
    """A running bot; ``restart()`` stops it and starts a new process-like instance on the same database."""

    def __init__(self, telegram: FakeTelegram, settings: Settings) -> None:
        self.telegram = telegram
        self.settings = settings
        self._stack: contextlib.AsyncExitStack | None = None
        self.engine = None

    async def start(self) -> None:
        stack = contextlib.AsyncExitStack()
        self.engine = await stack.enter_async_context(open_engine(self.settings))
        application = build_application(self.engine, TOKEN, self.telegram.base_url, rate_limit=False)
        await stack.enter_async_context(application)
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        stack.push_async_callback(application.stop)
        stack.push_async_callback(application.updater.stop)
        self.telegram.application = application
        self._stack = stack

    async def stop(self) -> None:
        if self._stack:
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotRun]:
    telegram = FakeTelegram()
    await telegram.start()
    settings = Settings(
        bot_token=TOKEN,
        database_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({OPERATOR_ID}),
        bot_api_url=telegram.base_url,
        _env_file=None,
    )
    run = BotRun(telegram, settings)
    await run.start()
    try:
        yield run
    finally:
        await run.stop()
        await telegram.stop()


@pytest.fixture
def operator(bot: BotRun) -> FakeUser:
    return FakeUser(bot.telegram, OPERATOR_ID, "Operator")
