"""Setting up an institution and its team through the bot, as the people involved would."""

from __future__ import annotations

import re

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser, Message


async def create_institution(bot: BotRun, operator: FakeUser) -> str:
    """The operator creates an institution; returns the koordinator's invitation code."""
    await operator.send("/start")
    await operator.press(operator.last(), "Buat instansi baru")
    assert "nama instansi" in operator.last().text.lower()
    await operator.send("Pemerintah Kabupaten Contoh")
    await operator.press(operator.last(), "Kabupaten")
    await operator.send("Jawa Tengah")
    created = operator.last().text
    assert "Pemerintah Kabupaten Contoh" in created
    return re.search(r"start=([A-Za-z0-9_-]+)", created).group(1)


async def team(bot: BotRun, operator: FakeUser) -> tuple[FakeUser, FakeUser]:
    lead = FakeUser(bot.telegram, 101, "Sari")
    officer = FakeUser(bot.telegram, 202, "Budi")
    code = await create_institution(bot, operator)
    await lead.send(f"/start {code}")
    assert "Selamat bergabung" in lead.last().text and "koordinator" in lead.last().text
    await lead.send("/undang")
    await lead.press(lead.last(), "Anggota tim")
    officer_code = re.search(r"start=([A-Za-z0-9_-]+)", lead.last().text).group(1)
    await officer.send(f"/start {officer_code}")
    assert "Selamat bergabung" in officer.last().text
    return lead, officer


def card_number(message: Message) -> int:
    match = re.search(r"Indikator (\d+)/47", message.text)
    assert match, message.text
    return int(match.group(1))
