"""Inline mode: `@bot question` in any chat answers from the same knowledge base."""

from __future__ import annotations

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import team


async def test_an_inline_question_is_answered_with_articles_to_drop_into_a_chat(bot: BotRun) -> None:
    stranger = FakeUser(bot.telegram, 4242, "Tamu")
    results = await stranger.inline("apa arti level 3 indikator 12")
    first = results[0]
    assert first["title"].startswith("Indikator 12") and "Peta Rencana SPBE" in first["title"]
    text = first["input_message_content"]["message_text"]
    assert "Terdefinisi" in text and first["input_message_content"]["parse_mode"] == "HTML"
    assert bot.telegram.inline_answers[-1]["is_personal"] in {True, "true", "True"}

    results = await stranger.inline("resep rendang padang")  # honestly not covered, even inline
    assert "tidak memuat jawaban" in results[0]["input_message_content"]["message_text"]

    results = await stranger.inline("   ")
    assert len(results) == 1 and "Ketik pertanyaan setelah nama bot" in results[0]["input_message_content"]["message_text"]
    assert bot.telegram.chat_messages(stranger.id) == []  # nothing was sent to anyone by itself


async def test_inline_answers_come_from_the_users_own_framework_and_language(bot: BotRun, operator: FakeUser) -> None:
    lead, _ = await team(bot, operator)
    await lead.send("/periode")
    await lead.press(lead.last(), "2026 · Pemdi 2026")
    results = await lead.inline("indikator 5")
    assert "Tata Kelola Data" in results[0]["title"]  # pemdi-2026's indicator 5, not spbe-2020's
    english = FakeUser(bot.telegram, 5151, "Sarah", language="en")
    results = await english.inline("what is the weight of the services domain")
    assert "45.50%" in results[0]["input_message_content"]["message_text"]
