"""A full disk seen by a user of the real bot: every step gets a reply, "not saved" when it was not,
nothing confirmed is lost, and the bot works again once space is freed."""

from __future__ import annotations

from tests.bot.conftest import BOTH_MODES, BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, period_of, team
from tests.storage.conftest import fill_the_disk, free_the_disk

NOT_SAVED = "⚠️ Belum tersimpan: ruang penyimpanan server sedang penuh"


pytestmark = BOTH_MODES  # in webhook mode each update's turn is written too


async def test_every_step_on_a_full_disk_gets_a_reply(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    await fill_the_disk(bot.engine.db)
    refused = 0
    for _ in range(12):  # answer with a long penjelasan, again and again: the disk fills up on the way
        card = officer.last()
        before = len(bot.telegram.calls)
        if "Indikator" in card.text and card.buttons:
            await officer.press(card, "3")
            if NOT_SAVED not in officer.last().text:
                await officer.press(officer.last(), "Penjelasan")
            if NOT_SAVED not in officer.last().text:
                await officer.send("Fakta: Perbup 7/2024 pasal 2. Analisis: " + "memenuhi kriteria. " * 90 + "Selesai.")
        else:  # after "not saved" the user carries on where the stored answers say
            await officer.send("/mulai")
            assert NOT_SAVED in officer.last().text or card_number(officer.last()) >= 1
        made = [m for m, _ in bot.telegram.calls[before:] if m in {"sendMessage", "editMessageText"}]
        assert made, "a step without any reply"
        assert "Maaf, terjadi kesalahan" not in officer.last().text  # never the generic error
        refused += NOT_SAVED in officer.last().text
    assert refused > 0, "the disk never filled up"
    saved = {a.indicator: a for a in await bot.engine.db.read.answers.list((await period_of(bot, officer.id)).id)}

    await free_the_disk(bot.engine.db)
    await officer.send("/mulai")
    number = card_number(officer.last())
    await officer.press(officer.last(), "4")
    assert officer.last().text.startswith(f"✅ {number} ")
    after = {a.indicator: a for a in await bot.engine.db.read.answers.list((await period_of(bot, officer.id)).id)}
    assert {n: (a.level, a.explanation) for n, a in saved.items()} == {n: (a.level, a.explanation) for n, a in after.items() if n in saved}
