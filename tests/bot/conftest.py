"""The real PTB Application polling the fake Bot API on 127.0.0.1, with a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.transport import Transport
from conversations.engine import Engine
from tests.backends import PostgresBackend
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser

OPERATOR_ID = 9001


class BotRun:
    """A running bot. ``restart()`` stops it and starts a fresh Application on the same database,
    as a new process would; the lifecycle hooks run as ``Application.run_polling`` runs them."""

    def __init__(self, telegram: FakeTelegram, settings: Settings, *, rate_limit: bool = False) -> None:
        self.telegram = telegram
        self.settings = settings
        self.rate_limit = rate_limit  # True: Telegram's pace as shipped (PTB's limiter); tests mostly go without
        self.application: Application | None = None
        self.clock: Callable[[], datetime] | None = None

    @property
    def engine(self) -> Engine:
        assert self.application is not None
        return self.application.bot_data["engine"]

    @property
    def transport(self) -> Transport:
        assert self.application is not None
        return self.application.bot_data["transport"]

    def set_clock(self, moment: datetime) -> None:
        """Fix the engine's clock (it survives restarts): deadlines and reminders without waiting."""
        self.clock = lambda: moment
        self.engine.clock = self.clock

    async def start(self) -> None:
        application = build_application(self.settings, rate_limit=self.rate_limit)
        await application.initialize()
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        self.telegram.application = application
        self.telegram.idle = application.bot_data["transport"].lanes.join
        self.application = application
        if self.clock is not None:
            self.engine.clock = self.clock

    async def stop(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        await application.updater.stop()  # type: ignore[union-attr]
        await application.stop()
        await application.post_stop(application)  # type: ignore[misc]
        await application.post_shutdown(application)  # type: ignore[misc]
        await application.shutdown()

    async def restart(self) -> None:
        await self.stop()
        await self.start()


def settings_for(telegram: FakeTelegram, directory: Path, database_url: str | None = None) -> Settings:
    return Settings(
        bot_token=TOKEN,
        database_path=directory / "bot.sqlite3",
        database_url=database_url,
        admin_ids=frozenset({OPERATOR_ID}),
        bot_api_url=telegram.base_url,
        group_summary_seconds=0,  # tests see every summary edit at once; GroupPacer has its own test
        _env_file=None,
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``postgres_too`` runs its bot on an SQLite file and on PostgreSQL; the others
    on SQLite (the storage and engine tests run everything on both)."""
    if "bot_database" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres_too"):
        metafunc.parametrize("bot_database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def bot_database(request: pytest.FixtureRequest) -> str | None:
    """The PostgreSQL URL of the bot's database, or None for the SQLite file."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    postgres: PostgresBackend = request.getfixturevalue("postgres")
    return postgres.url


@pytest.fixture
async def bot(tmp_path: Path, bot_database: str | None) -> AsyncIterator[BotRun]:
    telegram = FakeTelegram()
    await telegram.start()
    run = BotRun(telegram, settings_for(telegram, tmp_path, bot_database))
    await run.start()
    try:
        yield run
    finally:
        await run.stop()
        await telegram.stop()


@pytest.fixture
def operator(bot: BotRun) -> FakeUser:
    return FakeUser(bot.telegram, OPERATOR_ID, "Operator")
