"""End to end: the real PTB Application against the fake Bot API, driven as users would."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.bot.conftest import BOTH_MODES, BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, team

pytestmark = [BOTH_MODES, pytest.mark.postgres_too]  # postgres_too: the real bot on PostgreSQL too (tests/bot/conftest.py)

# Levels a scripted officer gives, indicator by indicator (1..47).
LEVELS = [3, 4, 2, 3, 1, 2, 3, 4, 5, 3, 2, 3, 4, 2, 3, 4, 1, 2, 3, 4, 2, 2, 3, 1,
          4, 5, 3, 2, 1, 3, 4, 3, 5, 4, 3, 2, 3, 4, 3, 2, 4, 3, 5, 4, 3, 2, 3]
# Weights of PermenPANRB 59/2020 Tabel 7-9, written here independently of the pack.
WEIGHTS = [Decimal("1.3")] * 10 + [Decimal("2.5")] * 10 + [Decimal("1.5")] * 11 + [Decimal("2.75")] * 10 + [Decimal("3.0")] * 6


def expected_index(levels: list[int]) -> Decimal:
    total = sum((Decimal(level) * weight for level, weight in zip(levels, WEIGHTS, strict=False)), Decimal(0)) / 100
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shown_number(text: str, pattern: str) -> Decimal:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return Decimal(match.group(1).replace(",", "."))


async def test_an_officer_completes_the_whole_evaluation(bot: BotRun, operator: FakeUser) -> None:
    """One live card: each answer is one tap, one edit of the card and one callback answer."""
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    card = officer.last()
    assert card_number(card) == 1
    assert "Kebijakan Internal SPBE › Kebijakan Internal Tata Kelola SPBE" in card.text and "bobot 1,30%" in card.text
    assert "1 Rintisan · " in card.text and "5 Optimum · " in card.text

    levels: list[int] = []
    for number, level in enumerate(LEVELS, start=1):
        card = officer.last()
        assert card_number(card) == number
        calls = len(bot.telegram.calls)
        await officer.press(card, str(level))
        levels.append(level)
        made = [m for m, _ in bot.telegram.calls[calls:] if m != "getUpdates"]
        assert sorted(made) == ["answerCallbackQuery", "editMessageText"], made
        edited = officer.last()
        assert edited.message_id == card.message_id  # the same message, now the next card (or the summary)
        shown = shown_number(edited.text, r"· (?:Indeks|Indeks SPBE:) (\d,\d\d)")
        answered = dict(enumerate(levels, start=1))
        partial = sum((Decimal(lv) * WEIGHTS[n - 1] for n, lv in answered.items()), Decimal(0)) / sum(WEIGHTS[n - 1] for n in answered)
        if number < len(LEVELS):
            assert edited.text.startswith(f"✅ {number} ") and f"→ {level} ·" in edited.text and "(simulasi)" in edited.text
            assert shown == partial.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), (number, edited.text)
            assert len(edited.text) <= 700 and len(edited.buttons) <= 10, edited.text

    summary = officer.last().text
    assert "Ringkasan penilaian mandiri" in summary and "bukan nilai resmi" in summary
    assert shown_number(summary, r"Indeks SPBE: (\d,\d\d)") == expected_index(LEVELS)
    assert "Tiga langkah" in summary and "Kekuatan" not in summary  # details sit behind buttons
    await officer.press(officer.last(), "Kekuatan")
    assert "Kekuatan" in officer.last().text and "Kelemahan" in officer.last().text
    for message in bot.telegram.chat_messages(officer.id):
        assert len(message.text) <= 4096

    async with bot.engine.db.transaction() as tx:  # every answer is stored
        period = await tx.periods.latest((await tx.members.memberships(officer.id))[0].institution_id)
        answers = {a.indicator: a for a in await tx.answers.list(period.id)}
    assert {n: int(a.level) for n, a in answers.items()} == dict(enumerate(LEVELS, start=1))


async def test_the_penjelasan_is_written_from_the_card_and_read_back(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/loncat 12")
    await officer.press(officer.last(), "3")
    card = officer.last()
    assert card_number(card) == 13 and card.text.startswith("✅ 12 Peta Rencana SPBE → 3")
    await officer.press(card, "Penjelasan 12")
    prompt = officer.last()
    assert prompt.message_id == card.message_id and "Penjelasan indikator 12" in prompt.text and "level 3 (Terdefinisi)" in prompt.text
    text = "Fakta: Perbup No. 12 Tahun 2023 pasal 3-5. Analisis: ketujuh muatan ada."
    await officer.send(text)
    fresh = officer.last()
    assert card_number(fresh) == 13 and "Penjelasan indikator 12 tersimpan" in fresh.text
    old = bot.telegram.chat_messages(officer.id)
    assert next(m for m in old if m.message_id == card.message_id).buttons == []  # one live card: the old one lost its buttons
    await officer.press(fresh, "Menu")
    await officer.press(officer.last(), "Indikator 12")
    back = officer.last()
    assert card_number(back) == 12 and "level 3" in back.text and "penjelasan ada" in back.text
    await officer.press(back, "Penjelasan")
    assert text in officer.last().text  # the saved text, to read and to replace
    await officer.send("apa arti level 4 indikator 12")
    assert "terbaca seperti pertanyaan" in officer.last().text
    await officer.press(officer.last(), "Ini pertanyaan")
    assert "masih saya tunggu" in officer.last().text
    async with bot.engine.db.transaction() as tx:
        period = await tx.periods.latest((await tx.members.memberships(officer.id))[0].institution_id)
        assert (await tx.answers.get(period.id, 12)).explanation == text
