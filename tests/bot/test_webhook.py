"""Webhook mode in one process: the fake Bot API posts the updates to the bot's ASGI app, which
answers 200 only once an update is finished; the secret_token checked; the health check; what
setWebhook is told; an update posted again after a failed answer handled once; the start refused in
one line; back to polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cli_bot import ALLOWED_UPDATES
from bot.config import ConfigError, load_settings
from bot.runtime import StartFailure
from bot.webhook import listen, serve
from conversations import callbacks as cb
from storage.errors import StorageError
from tests.bot.conftest import BotRun, running_bot, settings_for
from tests.bot.fake_telegram import FakeTelegram, FakeUser
from tests.bot.teams import card_number, period_of, team

URL = "https://spbe.example.go.id/telegram/spbe"
GROUP = -100500600


@pytest.fixture
async def webhook_bot(tmp_path: Path) -> AsyncIterator[BotRun]:
    async with running_bot(tmp_path, webhook_url=URL) as run:
        yield run


def post_url(bot: BotRun, path: str = "/telegram/spbe") -> str:
    return bot.telegram.webhook_targets[0] + path


async def test_the_webhook_is_set_with_its_secret_and_a_team_works_through_it(webhook_bot: BotRun) -> None:
    bot = webhook_bot
    webhook = bot.telegram.webhook
    assert webhook is not None and webhook["url"] == URL and webhook["max_connections"] == 40
    assert webhook["allowed_updates"] == ALLOWED_UPDATES
    assert webhook["secret_token"] == bot.settings.webhook_secret_token and len(webhook["secret_token"]) >= 32  # derived from the token
    lead, officer = await team(bot, FakeUser(bot.telegram, 9001, "Operator"))
    await officer.send("/mulai")
    card = officer.last()
    for level in (3, 4, 2):
        await officer.press(officer.last(), str(level))
    assert officer.last() is card and card_number(card) == 4
    bot.telegram.add_group(GROUP, "Tim SPBE", {lead.id: "administrator", officer.id: "member"})
    await lead.send("/hubungkan", chat_id=GROUP)
    await lead.send("/tanya apa arti indikator 7", chat_id=GROUP)  # a group's reply: through the outbox, in the group's lane
    assert "Indikator 7" in bot.telegram.last(GROUP).text
    period = await period_of(bot, officer.id)
    assert {a.indicator: int(a.level) for a in await bot.engine.db.read.answers.list(period.id)} == {1: 3, 2: 4, 3: 2}
    assert {status for _, _, status in bot.telegram.deliveries} == {200}
    assert "getUpdates" not in [method for method, _ in bot.telegram.calls]
    assert await bot.engine.db.read.outbox.unsent(bot_id=bot.settings.bot_id) == []


async def test_a_post_without_the_secret_token_is_refused_and_changes_nothing(webhook_bot: BotRun) -> None:
    bot = webhook_bot
    operator = FakeUser(bot.telegram, 9001, "Operator")
    update = {"update_id": 999, "message": operator._message(None, text="/start", **operator._entities("/start"))}
    secret = {"X-Telegram-Bot-Api-Secret-Token": bot.settings.webhook_secret_token}
    async with aiohttp.ClientSession() as session:

        async def post(url: str, headers: dict[str, str], **body: Any) -> int:
            async with session.post(url, headers=headers, **body) as response:
                return response.status

        assert await post(post_url(bot), {}, json=update) == 403
        assert await post(post_url(bot), {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}, json=update) == 403
        assert await post(post_url(bot), secret, data=b"not json") == 400
        assert await post(post_url(bot), secret, json={"no": "update"}) == 400
        assert await post(post_url(bot, "/another/path"), secret, json=update) == 404
        assert bot.telegram.chat_messages(operator.id) == []  # nothing was handled
        assert await post(post_url(bot), secret, json=update) == 200
    assert "Buat instansi baru" in str(operator.last().buttons)


async def test_telegram_has_its_answer_only_once_the_update_is_finished(webhook_bot: BotRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the reply is held (after the commit), the update is not answered: a process that died
    now would have it posted again, and its claim and stored reply would serve it."""
    bot = webhook_bot
    _, officer = await team(bot, FakeUser(bot.telegram, 9001, "Operator"))
    await officer.send("/mulai")
    period = await period_of(bot, officer.id)
    held, holding = asyncio.Event(), asyncio.Event()
    deliver = bot.transport.deliver

    async def slow(*args: Any, **kwargs: Any) -> None:
        holding.set()
        await held.wait()
        await deliver(*args, **kwargs)

    monkeypatch.setattr(bot.transport, "deliver", slow)
    officer.waits = False
    await officer.press(officer.last(), cb.make("lv", period.id, 1, 4), data=True)
    await asyncio.wait_for(holding.wait(), 5)
    assert (await bot.engine.db.read.answers.get(period.id, 1)).level == 4  # committed
    assert officer.last_update_id not in bot.telegram.delivered  # and not yet answered
    held.set()
    await bot.telegram.processed(officer.last_update_id)
    assert card_number(officer.last()) == 2


async def test_an_update_whose_answer_failed_is_posted_again_and_takes_effect_once(webhook_bot: BotRun,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bot = webhook_bot
    _, officer = await team(bot, FakeUser(bot.telegram, 9001, "Operator"))
    await officer.send("/mulai")
    period = await period_of(bot, officer.id)
    assert bot.receiver is not None
    handle, failed = bot.receiver.handle, []

    async def failing_once(update: Any) -> None:
        await handle(update)
        if not failed:  # handled and committed, then the answer to Telegram fails (as if the process stopped)
            failed.append(update.update_id)
            raise StorageError("the process stopped before it answered")

    monkeypatch.setattr(bot.receiver, "handle", failing_once)
    await officer.press(officer.last(), cb.make("lv", period.id, 1, 4), data=True)
    statuses = [status for update_id, _, status in bot.telegram.deliveries if update_id == officer.last_update_id]
    assert statuses == [503, 200]  # posted again, as Telegram does
    assert len(await bot.engine.db.read.answers.history(period.id, 1)) == 1  # one answer, not two
    assert card_number(officer.last()) == 2


async def test_the_health_check_answers_for_the_database(webhook_bot: BotRun) -> None:
    bot = webhook_bot
    async with aiohttp.ClientSession() as session:
        async with session.get(post_url(bot, "/healthz")) as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        await bot.engine.db._reader.close()  # the database stops answering
        async with session.get(post_url(bot, "/healthz")) as response:
            assert response.status == 503
            assert "database does not answer" in (await response.json())["database"]
        assert bot.receiver is not None
        bot.receiver.accepting = False  # stopping: out of the load balancer's rotation, updates refused
        async with session.get(post_url(bot, "/healthz")) as response:
            assert response.status == 503
        secret = {"X-Telegram-Bot-Api-Secret-Token": bot.settings.webhook_secret_token}
        async with session.post(post_url(bot), json={"update_id": 5, "message": {}}, headers=secret) as response:
            assert response.status == 503


async def test_back_to_polling_the_webhook_is_removed(webhook_bot: BotRun) -> None:
    bot = webhook_bot
    await bot.stop()
    bot.settings = bot.settings.model_copy(update={"webhook_url": None})
    await bot.start()
    assert bot.telegram.webhook is None
    operator = FakeUser(bot.telegram, 9001, "Operator")
    await operator.send("/start")
    assert "Buat instansi baru" in str(operator.last().buttons)


async def test_a_webhook_that_cannot_start_says_why_in_one_line(tmp_path: Path) -> None:
    busy = listen("127.0.0.1", 0)
    try:
        with pytest.raises(StartFailure, match=r"^cannot listen on 127\.0\.0\.1:\d+ for the webhook \(.+\): stop what uses the port"):
            listen("127.0.0.1", busy.getsockname()[1])
    finally:
        busy.close()
    telegram = FakeTelegram()
    await telegram.start()
    try:
        plain = "http://spbe.example.go.id/telegram"
        settings = settings_for(telegram, tmp_path).model_copy(update={"webhook_url": plain, "webhook_port": 0})
        with pytest.raises(StartFailure, match=f"^Telegram refused the webhook SPBE_WEBHOOK_URL={plain} "
                                               r"\(Bad webhook: an https url must be provided for webhook\): it must be a public"):
            await serve(settings, ALLOWED_UPDATES)
    finally:
        await telegram.stop()


def test_webhook_settings_are_checked_in_one_place() -> None:
    with pytest.raises(ConfigError, match="SPBE_WEBHOOK_URL: must be the public HTTPS URL"):
        load_settings(webhook_url="spbe.example.go.id/telegram", _env_file=None)
    with pytest.raises(ConfigError, match="SPBE_WEBHOOK_SECRET: must be 1 to 256 characters"):
        load_settings(webhook_secret="not allowed!", _env_file=None)
    with pytest.raises(ConfigError, match="SPBE_WEBHOOK_MAX_CONNECTIONS"):
        load_settings(webhook_max_connections=101, _env_file=None)
    settings = load_settings(webhook_url=" https://spbe.example.go.id/telegram/spbe ", webhook_secret="s3cret_-",
                             bot_token="123:abcdefghijkl", _env_file=None)
    assert settings.webhook_path == "/telegram/spbe" and settings.webhook_secret_token == "s3cret_-"
    derived = load_settings(bot_token="123:abcdefghijkl", _env_file=None).webhook_secret_token
    assert derived == load_settings(bot_token="123:abcdefghijkl", _env_file=None).webhook_secret_token  # every replica the same
    assert derived != load_settings(bot_token="123:abcdefghijkm", _env_file=None).webhook_secret_token  # a new token, a new secret
