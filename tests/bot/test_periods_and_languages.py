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
    assert "level 1,26" in saved and "Simulasi Indeks Pemdi" in saved
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
    skip = card.button("3").replace("lv:", "sk:").rsplit(":", 1)[0]  # sk:<period>:<indicator>
    await officer.press(card, "3")
    saved = officer.last()
    assert "Lewati penjelasan" not in [text for text, _ in saved.buttons] and "mewajibkan penjelasan" in saved.text
    await officer.press(saved, skip, data=True)  # a skip made before the rule changed is refused
    assert "mewajibkan penjelasan" in officer.last().text
    await officer.send("Fakta: SK 4/2024. Analisis: cukup.")
    assert "Indikator 2/47" in officer.last().text


async def test_an_english_speaking_officer_gets_english(bot: BotRun, operator: FakeUser) -> None:
    code = await create_institution(bot, operator)
    lead = FakeUser(bot.telegram, 111, "Sarah", language="en")
    await lead.send(f"/start {code}")
    assert "Welcome" in lead.last().text or "welcome" in lead.last().text
    await lead.send("/mulai")
    card = lead.last().text
    assert "Indicator 1/47" in card and "weight 1.30%" in card
    await lead.press(lead.last(), "3")
    assert "Saved" in lead.last().text and "simulation (not an official score)" in lead.last().text
    await lead.press(lead.last(), "Skip penjelasan")
    await lead.send("what does level 2 mean for data management")
    assert "Indicator 23" in lead.last().text
