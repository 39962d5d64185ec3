"""Moving around the evaluation: back, skip, jump, list, the guided mode, questions, a restart."""

from __future__ import annotations

from knowledge.packs import PackRegistry
from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, team

PACK = PackRegistry.load().get("spbe-2020")


async def stored_levels(bot: BotRun, user_id: int) -> dict[int, int]:
    institution = (await bot.engine.db.read.members.memberships(user_id))[0].institution_id
    period = await bot.engine.db.read.periods.latest(institution)
    return {n: int(level) for n, level in (await bot.engine.db.read.answers.levels(period.id)).items()}


async def answer(officer: FakeUser, bot: BotRun, level: int) -> None:
    """Press a level on the card: the card turns into the next one."""
    await officer.press(officer.last(), str(level))


async def test_back_skip_and_jump_never_lose_an_answer(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    assert card_number(officer.last()) == 1
    await officer.press(officer.last(), "Menu")  # skip indicator 1: "Lewati" is in the menu (the card's buttons are full)
    await officer.press(officer.last(), "Lewati ▶")
    assert card_number(officer.last()) == 2
    await answer(officer, bot, 3)
    assert card_number(officer.last()) == 3

    await officer.press(officer.last(), "Menu")
    await officer.press(officer.last(), "Indikator 2")  # back to 2: the answer is shown, not cleared
    card = officer.last()
    assert card_number(card) == 2 and "Jawaban: level 3" in card.text
    assert "✓ 3" in [text for text, _ in card.buttons]
    await officer.press(card, "Menu")
    await officer.press(officer.last(), "Indikator 1")
    assert card_number(officer.last()) == 1 and "Belum dijawab" in officer.last().text
    assert await stored_levels(bot, officer.id) == {2: 3}

    await officer.send("/loncat 40")
    assert card_number(officer.last()) == 40
    await officer.press(officer.last(), "Menu")
    await officer.press(officer.last(), "Loncat")
    assert "Ketik nomor indikator" in officer.last().text
    await officer.send("99")
    assert "Indikator 99 tidak ada" in officer.last().text and "1–47" in officer.last().text
    await officer.send("dua belas")
    assert "Ketik nomor indikator" in officer.last().text
    await officer.send("12")
    assert card_number(officer.last()) == 12

    await officer.press(officer.last(), "Menu")
    await officer.press(officer.last(), "Daftar")
    listing = officer.last()
    assert "Daftar indikator" in listing.text and "1/47 terjawab" in listing.text
    assert "✅ 2. " in listing.text and "⬜ 1. " in listing.text
    await officer.press(listing, "▶")  # next page of the list
    assert "Halaman 2/3" in officer.last().text
    await officer.press(officer.last(), "20")
    assert card_number(officer.last()) == 20

    await officer.press(officer.last(), "Menu")
    await officer.press(officer.last(), "Jeda")
    assert "Dijeda" in officer.last().text
    await officer.send("/mulai")  # picks up exactly where the officer paused
    assert card_number(officer.last()) == 20


async def test_criteria_and_evidence_are_one_tap_away(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/loncat 21")
    await officer.press(officer.last(), "📋 Kriteria")
    criteria = officer.last().text
    assert "Kriteria & bukti dukung · Indikator 21" in criteria and PACK.indicator(21).assesses[:60] in criteria
    for level in range(1, 6):
        assert PACK.indicator(21).levels[level].criteria[:60] in criteria
    assert PACK.indicator(21).levels[4].evidence[0][:50] in criteria
    await officer.press(officer.last(), "Kembali ke kartu")
    assert card_number(officer.last()) == 21


async def test_the_guided_mode_proposes_a_level_and_says_why(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/loncat 12")
    await officer.press(officer.last(), "Bantu tentukan")
    guided = officer.last()
    assert "level 2" in guided.text and PACK.indicator(12).levels[2].criteria[:60] in guided.text
    await officer.send("ya sudah")  # the question waits for a button, not text
    assert "tombol Ya atau Belum" in officer.last().text
    await officer.press(guided, "Ya")
    assert "level 3" in guided.text  # the same message, edited in place
    await officer.press(guided, "Belum")
    assert "Usulan: level 2" in guided.text and PACK.indicator(12).levels[3].criteria[:60] in guided.text
    assert await stored_levels(bot, officer.id) == {}  # a proposal is not an answer
    await officer.press(guided, "Pakai level 2")
    assert guided.text.startswith("✅ 12 Peta Rencana SPBE → 2") and card_number(guided) == 13
    assert await stored_levels(bot, officer.id) == {12: 2}


async def test_questions_in_private_and_in_a_group(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("apa arti level 3 indikator 12")
    reply = officer.last().text
    assert "Indikator 12" in reply and PACK.indicator(12).levels[3].criteria[:60] in reply

    await officer.send("kebijakan layanan")  # unsure: candidates to pick from
    unsure = officer.last()
    assert "Jawaban terdekat" in unsure.text and 1 <= len(unsure.buttons) <= 3
    await officer.press(unsure, unsure.buttons[0][0])
    assert bot.telegram.last(officer.id).text != unsure.text

    await officer.send("resep rendang padang")
    assert "tidak memuat jawaban" in officer.last().text and "tidak mengarang" in officer.last().text

    bot.telegram.add_group(-100500, "Tim SPBE", {officer.id: "member"})
    await officer.send("/tanya bobot domain layanan", chat_id=-100500)
    group_reply = bot.telegram.last(-100500).text
    assert "Layanan SPBE" in group_reply and "45,50%" in group_reply
    await officer.send("/mulai", chat_id=-100500)  # the evaluation itself stays in private chat
    assert "chat pribadi" in bot.telegram.last(-100500).text


async def test_a_restart_midway_and_a_press_on_a_card_from_before_it(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    for level in (2, 3, 4):
        await answer(officer, bot, level)
    old_card = officer.last()
    assert card_number(old_card) == 4

    await bot.restart()

    await officer.press(old_card, "5")  # a card sent before the restart still works
    assert old_card.text.startswith("✅ 4 ") and card_number(old_card) == 5
    await officer.press(old_card, "Penjelasan 4")
    await bot.restart()  # and an awaited penjelasan survives one too
    await officer.send("Fakta: Perbup 3/2025. Analisis: lengkap.")
    assert card_number(officer.last()) == 5 and "Penjelasan indikator 4 tersimpan" in officer.last().text
    await officer.send("/mulai")
    assert card_number(officer.last()) == 5
    assert await stored_levels(bot, officer.id) == {1: 2, 2: 3, 3: 4, 4: 5}


async def test_commands_are_registered_per_scope_and_language(bot: BotRun) -> None:
    commands = bot.telegram.commands
    private = {c["command"] for c in commands["all_private_chats:"]}
    assert {"mulai", "ringkasan", "daftar", "loncat", "tanya", "bantuan", "undang", "periode"} <= private
    assert {c["command"] for c in commands["all_group_chats:"]} >= {"tanya", "bantuan"}
    english = {c["command"]: c["description"] for c in commands["all_private_chats:en"]}
    assert english["mulai"].startswith("Continue")


async def test_documents_and_photos_become_evidence_of_the_open_indicator(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send_document("12.a.Perbup-Peta-Rencana.pdf")  # no card open yet
    assert "buka dulu indikatornya" in officer.last().text
    await officer.send("/loncat 12")
    await officer.send_document("12.a.Perbup-Peta-Rencana.pdf", caption="Perbup 5/2023")
    assert "B-001 Perbup 5/2023 dicatat sebagai bukti dukung indikator 12 (1 berkas)" in officer.last().text
    assert "No. 5 · 2023" in officer.last().text  # the caption's number and year
    card = bot.telegram.chat_messages(officer.id)[-2]
    await officer.press(card, "3")
    await officer.press(card, "Penjelasan 12")
    await officer.send_photo()  # a photo while the penjelasan is awaited is evidence of that answer too
    assert "indikator 12 (2 berkas)" in officer.last().text and "masih saya tunggu" in officer.last().text
    await officer.send_sticker()
    assert "menunggu penjelasan berupa teks" in officer.last().text
    await officer.send("Fakta: Perbup 5/2023 (12.a.Perbup-Peta-Rencana.pdf). Analisis: memuat semua muatan.")
    await officer.send("/loncat 12")
    assert "📎 2 berkas" in officer.last().text

    institution = (await bot.engine.db.read.members.memberships(officer.id))[0].institution_id
    period = await bot.engine.db.read.periods.latest(institution)
    files = await bot.engine.db.read.evidence.for_answer(period.id, 12)
    assert [(f.file_name, f.kind, f.caption) for f in files] == [
        ("12.a.Perbup-Peta-Rencana.pdf", "document", "Perbup 5/2023"), (None, "photo", None)]
    await officer.send("/loncat 2")  # the same document can support a second indicator
    await officer.send_document("12.a.Perbup-Peta-Rencana.pdf")
    assert "indikator 2 (1 berkas)" in officer.last().text
    assert await bot.engine.db.read.evidence.uses(files[0].id) == [(period.id, 2), (period.id, 12)]
