"""Setting up an institution and its team through the bot, as the people involved would."""

from __future__ import annotations

import re

from storage.models import Period
from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser, Message


async def create_institution(bot: BotRun, operator: FakeUser, name: str = "Pemerintah Kabupaten Contoh") -> str:
    """The operator creates an institution; returns the koordinator's invitation code."""
    await operator.send("/start")
    await operator.press(operator.last(), "Buat instansi baru")
    assert "nama instansi" in operator.last().text.lower()
    await operator.send(name)
    await operator.press(operator.last(), "Kabupaten")
    await operator.send("Jawa Tengah")
    created = operator.last().text
    assert name in created
    return re.search(r"start=([A-Za-z0-9_-]+)", created).group(1)


async def team(bot: BotRun, operator: FakeUser, name: str = "Pemerintah Kabupaten Contoh", ids: tuple[int, ...] = (101, 202),
               ) -> tuple[FakeUser, ...]:
    """An institution with a koordinator (the first id) and officers (the other ids), all joined
    through invitation links."""
    names = ["Sari", "Budi", "Citra", "Dewi", "Eko"]
    lead, *officers = [FakeUser(bot.telegram, user_id, names[i % len(names)]) for i, user_id in enumerate(ids)]
    code = await create_institution(bot, operator, name)
    await lead.send(f"/start {code}")
    assert "Selamat bergabung" in lead.last().text and "koordinator" in lead.last().text
    for officer in officers:
        await invite(lead, officer, "Anggota tim")
    return (lead, *officers)


async def invite(lead: FakeUser, person: FakeUser, role: str) -> None:
    await lead.send("/undang")
    await lead.press(lead.last(), role)
    code = re.search(r"start=([A-Za-z0-9_-]+)", lead.last().text).group(1)
    await person.send(f"/start {code}")
    assert person.last().text.startswith("🎉")  # welcomed, in the person's language


def card_number(message: Message) -> int:
    match = re.search(r"Indikator (\d+)/47", message.text)
    assert match, message.text
    return int(match.group(1))


async def period_of(bot: BotRun, user_id: int) -> Period:
    """The latest period of the (first) institution of ``user_id``."""
    institution = (await bot.engine.db.read.members.memberships(user_id))[0].institution_id
    period = await bot.engine.db.read.periods.latest(institution)
    assert period is not None
    return period
