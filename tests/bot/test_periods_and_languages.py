"""A lead chooses the year and framework; fractional values in pemdi-2026; English-speaking users."""

from __future__ import annotations

from decimal import Decimal

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import create_institution, team


async def test_a_lead_starts_a_pemdi_2026_period_and_values_can_be_fractional(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await team(bot, operator)
    await lead.send("/periode")
    await lead.press(lead.last(), "2026 · Pemdi 2026")
    assert "Pemdi 2026" in bot.telegram.chat_messages(lead.id)[-2].text
    card = lead.last()
    assert "Indikator 1/20" in card.text and "Tata Kelola dan Manajemen" in card.text
    assert "Keyakinan kriteria" in card.text  # medium-confidence criteria are labelled on every card

    await officer.send("/mulai")
    card = officer.last()
    assert "Indikator 1/20" in card.text
    await officer.press(card, "Nilai pecahan")
    assert "antara 1 dan 5" in officer.last().text
    await officer.send("2,555")
    assert "paling banyak dua desimal" in officer.last().text
    await officer.send("6")
    assert "paling banyak dua desimal" in officer.last().text
    await officer.send("1,26")
    saved = officer.last().text
    assert saved.startswith("✅ 1 ") and "→ 1,26 · Indeks 1,26" in saved and "(simulasi)" in saved and "Indikator 2/20" in saved
    institution = (await bot.engine.db.read.members.memberships(officer.id))[0].institution_id
    period = await bot.engine.db.read.periods.latest(institution)
    assert (period.framework, period.year) == ("pemdi-2026", 2026)
    assert (await bot.engine.db.read.answers.get(period.id, 1)).level == Decimal("1.26")


async def test_whole_level_frameworks_refuse_a_typed_fraction_button(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    card = officer.last()
    assert "Nilai pecahan" not in [text for text, _ in card.buttons]
    forged = card.button("3").rsplit(":", 1)[0] + ":-"
    await officer.press(card, forged, data=True)
    assert "sudah tidak berlaku" in officer.last().text


async def test_a_lead_makes_the_penjelasan_required(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await team(bot, operator)
    await lead.send("/penjelasan")
    assert "boleh dilewati" in lead.last().text
    await lead.press(lead.last(), "Jadikan wajib")
    assert "wajib" in lead.last().text and "Jadikan boleh dilewati" in [t for t, _ in lead.last().buttons]

    await officer.send("/mulai")
    card = officer.last()
    await officer.press(card, "3")
    asked = officer.last()
    assert asked.message_id == card.message_id and "Penjelasan indikator 1" in asked.text and "mewajibkan penjelasan" in asked.text
    assert asked.text.startswith("✅ 1 ")  # the answer is saved; the card waits for its penjelasan before moving on
    await officer.send("Fakta: SK 4/2024. Analisis: cukup.")
    assert "Indikator 2/47" in officer.last().text and "Penjelasan indikator 1 tersimpan" in officer.last().text


async def test_an_english_speaking_officer_gets_english(bot: BotRun, operator: FakeUser) -> None:
    code = await create_institution(bot, operator)
    lead = FakeUser(bot.telegram, 111, "Sarah", language="en")
    await lead.send(f"/start {code}")
    assert "Welcome" in lead.last().text or "welcome" in lead.last().text
    await lead.send("/mulai")
    card = lead.last().text
    assert "Indicator 1/47" in card and "weight 1.30%" in card
    assert "1 Initial · " in card and "Not answered yet" in card
    await lead.press(lead.last(), "3")
    assert lead.last().text.startswith("✅ 1 ") and "(simulation)" in lead.last().text and "Indicator 2/47" in lead.last().text
    assert bot.telegram.callback_answers[-1]["text"].startswith("✅ Level 3 saved. For level 4:")
    await lead.send("what does level 2 mean for data management")
    assert "Indicator 23" in lead.last().text
