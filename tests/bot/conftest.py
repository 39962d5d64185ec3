"""The real PTB Application polling the fake Bot API on 127.0.0.1 (or, in webhook mode, served the
updates the fake posts), with a fresh database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot.app import build_application
from bot.cli_bot import ALLOWED_UPDATES
from bot.config import Settings
from bot.transport import Transport
from bot.webhook import Server, WebhookReceiver, listen, set_webhook
from conversations.engine import Engine
from tests.backends import PostgresBackend
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser

OPERATOR_ID = 9001


class _Server(Server):
    """The webhook's server as the tests run it, beside the test's own loop: no signal handlers of its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class BotRun:
    """A running bot. ``restart()`` stops it and starts a fresh Application on the same database,
    as a new process would; the lifecycle hooks run as ``Application.run_polling`` runs them. With
    ``settings.webhook_url`` it serves the webhook on 127.0.0.1 as ``spbe-bot run`` does (``bot.webhook``)
    and the fake posts the updates there."""

    def __init__(self, telegram: FakeTelegram, settings: Settings, *, rate_limit: bool = False) -> None:
        self.telegram = telegram
        self.settings = settings
        self.rate_limit = rate_limit  # True: Telegram's pace as shipped (PTB's limiter); tests mostly go without
        self.application: Application | None = None
        self.clock: Callable[[], datetime] | None = None
        self.receiver: WebhookReceiver | None = None
        self._server: tuple[_Server, asyncio.Task[None]] | None = None

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
        if self.settings.webhook_url:
            await self._serve(application)
        else:
            await application.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        self.telegram.application = application
        self.telegram.idle = application.bot_data["transport"].lanes.join
        self.application = application
        if self.clock is not None:
            self.engine.clock = self.clock

    async def _serve(self, application: Application) -> None:
        self.receiver = WebhookReceiver(application, self.settings.webhook_path, self.settings.webhook_secret_token)
        sock = listen("127.0.0.1", 0)
        server = _Server(self.receiver)
        self._server = server, asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if self._server[1].done():
                self._server[1].result()  # it could not start: its error
            await asyncio.sleep(0.005)
        self.telegram.webhook_targets = [f"http://127.0.0.1:{sock.getsockname()[1]}"]
        await set_webhook(application, self.settings, ALLOWED_UPDATES)

    async def stop(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        if self._server is not None:
            (server, task), self._server = self._server, None
            server.should_exit = True
            await task
        else:
            await application.updater.stop()  # type: ignore[union-attr]
        await application.stop()
        await application.post_stop(application)  # type: ignore[misc]
        await application.post_shutdown(application)  # type: ignore[misc]
        await application.shutdown()

    async def restart(self) -> None:
        await self.stop()
        await self.start()


def settings_for(telegram: FakeTelegram, directory: Path) -> Settings:
    return Settings(
        bot_token=TOKEN,
        database_path=directory / "bot.sqlite3",
        admin_ids=frozenset({OPERATOR_ID}),
        bot_api_url=telegram.base_url,
        group_summary_seconds=0,  # tests see every summary edit at once; the pace has tests of its own
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


@contextlib.asynccontextmanager
async def running_bot(directory: Path, *, rate_limit: bool = False, **settings: object) -> AsyncIterator[BotRun]:
    """A fake Bot API and the bot on a fresh database in ``directory``, with ``settings`` changed."""
    telegram = FakeTelegram()
    await telegram.start()
    run = BotRun(telegram, settings_for(telegram, directory).model_copy(update=settings), rate_limit=rate_limit)
    await run.start()
    try:
        yield run
    finally:
        await run.stop()
        await telegram.stop()


WEBHOOK_URL = "https://spbe.example.go.id/telegram/spbe"
BOTH_MODES = pytest.mark.parametrize("bot", ["polling", "webhook"], indirect=True)
"""For a module's ``pytestmark``: its tests run with the bot polling, and serving webhooks."""


@pytest.fixture
async def bot(request: pytest.FixtureRequest, tmp_path: Path, bot_database: str | None) -> AsyncIterator[BotRun]:
    webhook = getattr(request, "param", "polling") == "webhook"
    database = {"database_url": SecretStr(bot_database)} if bot_database else {}
    async with running_bot(tmp_path, webhook_url=WEBHOOK_URL if webhook else None, **database) as run:
        yield run


@pytest.fixture
def operator(bot: BotRun) -> FakeUser:
    return FakeUser(bot.telegram, OPERATOR_ID, "Operator")
