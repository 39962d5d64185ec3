"""What a whole evaluation costs an officer and the Bot API, measured through the real bot.

Run: .venv/bin/python benchmarks/walkthrough.py
The real PTB Application polls the test suite's fake Bot API on 127.0.0.1; an officer of a new
institution opens the card with /mulai and answers all 47 indicators of spbe-2020 with the
penjelasan optional, then a second run with a penjelasan typed for every answer. Reported:
taps (presses and sent messages), characters the bot sent or edited per indicator, Bot API calls
per answer (everything but getUpdates), and the longest card of every pack.
Goals (issue 8): 47 taps plus the one that opens the first card; one editMessageText and one
answerCallbackQuery per answer; cards of at most 700 characters and 10 buttons.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.messages import MessageBuilder
from bot.render import Renderer, plain
from knowledge.packs import PackRegistry
from tests.bot.conftest import OPERATOR_ID, running_bot
from tests.bot.fake_telegram import FakeUser
from tests.bot.teams import card_number, team
from tests.bot.test_templates import largest_card
from tests.bot.test_walkthrough import LEVELS

PENJELASAN = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024 pasal 3-5, berkas 12.a.pdf. Analisis: memenuhi kriteria level."


async def evaluate_once(explain: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as directory:
        async with running_bot(Path(directory)) as run:
            telegram = run.telegram
            _, officer = await team(run, FakeUser(telegram, OPERATOR_ID, "Operator"))
            start = len(telegram.calls)
            taps = 1
            await officer.send("/mulai")
            for number, level in enumerate(LEVELS, start=1):
                card = officer.last()
                assert card_number(card) == number, card.text
                await officer.press(card, str(level))
                taps += 1
                if explain:
                    await officer.press(officer.last(), "Penjelasan")
                    await officer.send(PENJELASAN)
                    taps += 2
            calls = [(m, p) for m, p in telegram.calls[start:] if m != "getUpdates"]
            sent = [p for m, p in calls if m in {"sendMessage", "editMessageText"}]
            characters = sum(len(plain(str(p.get("text", "")))) for p in sent)
            summary = officer.last().text
            assert "Ringkasan" in summary or "Summary" in summary, summary[:200]
    kinds = Counter(m for m, _ in calls)
    return {
        "taps": taps,
        "characters_per_indicator": round(characters / len(LEVELS)),
        "api_calls_per_answer": round(len(calls) / len(LEVELS), 2),
        "calls": dict(kinds),
    }


def card_sizes() -> dict[str, dict[str, int]]:
    """The longest card (visible characters) and most buttons of every pack in both languages, each
    card at its largest (see ``tests.bot.test_templates.largest_card``)."""
    builder = MessageBuilder(Renderer())
    sizes: dict[str, dict[str, int]] = {}
    for pack in PackRegistry.load():
        for lang in ("id", "en"):
            messages = [builder.build(largest_card(pack, ind, lang), lang) for ind in pack.indicators]
            lengths = sorted(len(plain(m.chunks[0])) for m in messages)
            sizes[f"{pack.id}/{lang}"] = {"max_characters": lengths[-1], "median_characters": lengths[len(lengths) // 2],
                                         "max_buttons": max(sum(len(r) for r in m.keyboard) for m in messages)}
    return sizes


async def main() -> None:
    report = {
        "penjelasan_optional": await evaluate_once(explain=False),
        "penjelasan_for_every_answer": await evaluate_once(explain=True),
        "cards": card_sizes(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
