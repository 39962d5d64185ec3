"""Bad input of every kind gets a short reply saying what to do, and nothing is stored wrongly."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, create_institution, period_of, team


async def test_a_stranger_can_neither_evaluate_nor_press_an_institutions_buttons(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    card = officer.last()
    stranger = FakeUser(bot.telegram, 303, "Tamu")

    await stranger.send("/mulai")
    assert "belum terdaftar" in stranger.last().text and "/gabung" in stranger.last().text
    level_3 = card.button("3")
    await stranger.press(stranger.last(), level_3, data=True)  # callback data copied from someone else's card
    assert "tidak menjadi anggotanya" in stranger.last().text
    assert bot.telegram.callback_answers[-1]["text"] == "Tidak diizinkan"
    assert await bot.engine.db.read.answers.count((await period_of(bot, officer.id)).id) == 0
    await stranger.send("/undang")
    assert "belum terdaftar" in stranger.last().text
    await stranger.send("/instansi_baru")
    assert "hanya untuk operator" in stranger.last().text


async def test_an_officer_cannot_use_lead_commands(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    for command in ("/undang", "/periode", "/penjelasan"):
        await officer.send(command)
        assert "hanya untuk koordinator" in officer.last().text, command


@pytest.mark.parametrize(
    ("data", "reply"),
    [
        ("zz:1:2", "sudah tidak berlaku"),  # not made by this bot
        ("lv:999:1:3", "sudah tidak berlaku"),  # a period that does not exist
        ("lv:{period}:99:3", "Indikator 99 tidak ada"),
        ("lv:{period}:5:9", "Level 9 tidak ada"),
        ("lv:{period}:5:2.5", "Level 2.5 tidak ada"),
        ("ga:{period}:5:7:y", "Level 7 tidak ada"),
        ("lv:{period}:5:3:extra", "sudah tidak berlaku"),
    ],
)
async def test_forged_and_stale_buttons_are_refused(bot: BotRun, operator: FakeUser, data: str, reply: str) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    card = officer.last()
    period = await period_of(bot, officer.id)
    presses = len(bot.telegram.callback_answers)
    await officer.press(card, data.format(period=period.id), data=True)
    assert reply in officer.last().text
    assert len(bot.telegram.callback_answers) == presses + 1  # every press is answered
    assert await bot.engine.db.read.answers.count(period.id) == 0
    assert card_number(card) == 1  # the card itself is untouched


async def test_a_penjelasan_over_the_limit_is_refused_with_the_limit(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    await officer.press(officer.last(), "4")
    await officer.press(officer.last(), "Penjelasan 1")
    await officer.send("x" * 2001)
    assert "2.001 karakter" in officer.last().text and "batasnya 2.000" in officer.last().text
    await officer.send("x" * 4096)  # one part of a paste Telegram split
    assert "beberapa pesan" in officer.last().text
    await officer.send("dan ini ekornya.")
    assert "potongan akhirnya" in officer.last().text
    await officer.press(officer.last(), "Buang teks ini")
    period = await period_of(bot, officer.id)
    answer = await bot.engine.db.read.answers.get(period.id, 1)
    assert answer.level == 4 and answer.explanation is None
    await officer.send("   ")
    assert "Penjelasan kosong" in officer.last().text
    await officer.send("Fakta: Perbup 7/2024. Analisis: memenuhi level 4.")
    assert (await bot.engine.db.read.answers.get(period.id, 1)).explanation.startswith("Fakta: Perbup 7/2024")


async def test_stickers_and_photos_where_text_is_expected(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    await officer.press(officer.last(), "2")
    await officer.press(officer.last(), "Penjelasan 1")
    await officer.send_sticker()
    assert "menunggu penjelasan berupa teks" in officer.last().text
    await officer.send("/loncat")
    await officer.send_photo()
    assert "menunggu nomor berupa teks" in officer.last().text
    await officer.send("7")
    assert card_number(officer.last()) == 7
    period = await period_of(bot, officer.id)
    assert (await bot.engine.db.read.answers.get(period.id, 1)).explanation is None


async def test_text_where_a_button_is_expected(bot: BotRun, operator: FakeUser) -> None:
    await operator.send("/instansi_baru")
    await operator.send("Pemerintah Kota Contoh")
    await operator.send("kota")  # the kind is chosen with a button
    assert "Pilih salah satu tombol" in operator.last().text
    assert await bot.engine.db.read.institutions.list() == []
    await operator.press(bot.telegram.chat_messages(operator.id)[-2], "Kota")
    await operator.send("-")
    assert "Pemerintah Kota Contoh" in operator.last().text


async def test_an_oversized_message_is_refused_before_anything_else(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("a" * 8500)
    assert "terlalu panjang" in officer.last().text


async def test_invitation_codes_that_cannot_be_used(bot: BotRun, operator: FakeUser) -> None:
    code = await create_institution(bot, operator)
    first, second = FakeUser(bot.telegram, 401, "Ani"), FakeUser(bot.telegram, 402, "Iwan")
    await first.send(f"/start {code}")
    assert "Selamat bergabung" in first.last().text
    await second.send(f"/start {code}")  # single use
    assert "sudah dipakai" in second.last().text
    await second.send("/start KODEPALSU123")
    assert "tidak dikenal" in second.last().text

    await first.send("/undang")
    await first.press(first.last(), "Anggota tim")
    fresh = first.last().text.split("start=")[1].split()[0]
    bot.engine.clock = lambda: datetime.now(UTC) + timedelta(days=8)  # invitations last 7 days
    await second.send(f"/start {fresh}")
    assert "masa berlakunya sudah habis" in second.last().text
    assert await bot.engine.db.read.members.memberships(second.id) == []


async def test_an_unexpected_error_is_logged_and_the_user_told_without_internals(
    bot: BotRun, operator: FakeUser, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, officer = await team(bot, operator)

    async def broken(event):
        raise RuntimeError("database exploded at /secret/path")

    monkeypatch.setattr(bot.engine, "handle", broken)
    with caplog.at_level(logging.ERROR):
        await officer.send("/mulai")
    told = officer.last().text
    assert "terjadi kesalahan" in told and "secret" not in told and "RuntimeError" not in told
    assert any("error while handling an update" in r.message and r.exc_info for r in caplog.records)
