"""Telegram starts the update ids anew (a new token, a week without updates): through the real bot,
the messages that follow are answered, none is skipped as a repeat."""

from __future__ import annotations

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, period_of, team


async def test_messages_after_the_update_ids_start_anew_are_answered(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)  # a few dozen updates, ids from 1
    await officer.send("/mulai")
    await officer.press(officer.last(), "3")
    await bot.stop()
    bot.telegram.restart_update_ids(1)  # the ids just claimed come again, for other updates
    await bot.start()
    await officer.send("/loncat 20")
    assert card_number(officer.last()) == 20
    await officer.press(officer.last(), "4")
    assert card_number(officer.last()) == 21 and officer.last().text.startswith("✅ 20 ")
    await officer.send("/loncat 30")
    assert card_number(officer.last()) == 30
    levels = await bot.engine.db.read.answers.levels((await period_of(bot, officer.id)).id)
    assert levels == {1: 3, 20: 4}
