"""End to end: the real PTB Application against the fake Bot API, driven as users would."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, team

# Levels a scripted officer gives, indicator by indicator (1..47).
LEVELS = [3, 4, 2, 3, 1, 2, 3, 4, 5, 3, 2, 3, 4, 2, 3, 4, 1, 2, 3, 4, 2, 2, 3, 1, 4, 5, 3, 2, 1, 3, 4, 3, 5, 4, 3, 2, 3, 4, 3, 2, 4, 3, 5, 4, 3, 2, 3]
# Weights of PermenPANRB 59/2020 Tabel 7-9, written here independently of the pack.
WEIGHTS = [Decimal("1.3")] * 10 + [Decimal("2.5")] * 10 + [Decimal("1.5")] * 11 + [Decimal("2.75")] * 10 + [Decimal("3.0")] * 6


def expected_index(levels: list[int]) -> Decimal:
    total = sum((Decimal(level) * weight for level, weight in zip(levels, WEIGHTS)), Decimal(0)) / 100
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shown_number(text: str, pattern: str) -> Decimal:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return Decimal(match.group(1).replace(",", "."))


async def test_an_officer_completes_the_whole_evaluation(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    card = officer.last()
    assert card_number(card) == 1
    assert "Kebijakan Internal SPBE › Kebijakan Internal Tata Kelola SPBE" in card.text and "bobot 1,30%" in card.text

    for number, level in enumerate(LEVELS, start=1):
        card = officer.last()
        assert card_number(card) == number
        await officer.press(card, str(level))
        saved = bot.telegram.last(officer.id)
        assert f"level {level}" in saved.text and "Simulasi Indeks SPBE" in saved.text
        if number % 5 == 0:
            await officer.send(f"Fakta: SK Bupati No. {number}/2024 pasal 2. Analisis: memenuhi kriteria level {level}.")
            assert any(f"Penjelasan indikator {number} tersimpan" in m.text for m in bot.telegram.chat_messages(officer.id)[-2:])
        else:
            await officer.press(saved, "Lewati penjelasan")

    summary = officer.last().text
    assert "Ringkasan penilaian mandiri" in summary and "bukan nilai resmi" in summary
    assert shown_number(summary, r"Indeks SPBE: (\d,\d\d)") == expected_index(LEVELS)
    assert "Kekuatan" in summary and "Kelemahan" in summary and "Tiga langkah" in summary
    for message in bot.telegram.chat_messages(officer.id):
        assert len(message.text) <= 4096

    async with bot.engine.db.transaction() as tx:  # every answer and every penjelasan is stored
        period = await tx.periods.latest((await tx.members.memberships(officer.id))[0].institution_id)
        answers = {a.indicator: a for a in await tx.answers.list(period.id)}
    assert {n: int(a.level) for n, a in answers.items()} == dict(enumerate(LEVELS, start=1))
    assert answers[5].explanation.startswith("Fakta: SK Bupati No. 5/2024") and answers[6].explanation is None
