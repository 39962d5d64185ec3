"""Telegram's flood control (429 Too Many Requests with ``retry_after``): the reply waits and arrives;
the user never gets the generic error for it."""

from __future__ import annotations

import itertools
import logging
import time

import pytest
from telegram import Update
from telegram.error import RetryAfter

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import ApiError, FakeUser
from tests.bot.teams import card_number, team

GENERIC_ERROR = "Maaf, terjadi kesalahan"
# PTB's own handling of a RetryAfter reads its retry_after as an int, which PTB 22 warns will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")


def flood(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


async def test_four_429s_in_a_row_delay_the_card_and_it_arrives(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    bot.rate_limit = True  # the application as it runs: PTB's AIORateLimiter retries a 429 after retry_after
    await bot.restart()
    moments = bot.telegram.fail_times("sendMessage", 4, flood(retry_after=1))
    started = time.monotonic()
    await officer.send("/mulai")
    assert card_number(officer.last()) == 1  # the card, once Telegram let it through
    assert len(moments) == 5 and all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(moments))
    assert time.monotonic() - started >= 4.0  # each retry_after honoured
    assert not [m for m in bot.telegram.chat_messages(officer.id) if GENERIC_ERROR in m.text]


async def test_a_429_that_outlasts_every_retry_gets_no_error_message(bot: BotRun, operator: FakeUser,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """What reaches the error handler once the retries are used up: the user is not told "something
    went wrong" (Telegram would refuse that message too); the log says a reply was dropped."""
    _, officer = await team(bot, operator)
    assert bot.application is not None
    message = officer.wrote(officer.id, "/mulai")
    update = Update.de_json({"update_id": 999, "message": message}, bot.application.bot)
    calls = len(bot.telegram.calls)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await bot.application.process_error(update, RetryAfter(30))
    assert [method for method, _ in bot.telegram.calls[calls:] if method != "getUpdates"] == []  # nothing sent
    assert "flood control still holds" in caplog.text
