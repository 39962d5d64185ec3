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
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings  # noqa: E402
from bot.messages import MessageBuilder  # noqa: E402
from bot.render import Renderer, plain  # noqa: E402
from conversations.replies import Reply  # noqa: E402
from conversations.walkthrough import card_buttons, level_lines  # noqa: E402
from knowledge.packs import PackRegistry  # noqa: E402
from tests.bot.conftest import OPERATOR_ID, BotRun  # noqa: E402
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser  # noqa: E402
from tests.bot.teams import card_number, team  # noqa: E402

LEVELS = [3, 4, 2, 3, 1, 2, 3, 4, 5, 3, 2, 3, 4, 2, 3, 4, 1, 2, 3, 4, 2, 2, 3, 1, 4, 5, 3, 2, 1, 3, 4, 3, 5, 4, 3, 2, 3, 4, 3, 2, 4, 3, 5, 4, 3, 2, 3]
PENJELASAN = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024 pasal 3-5, berkas 12.a.pdf. Analisis: memenuhi kriteria level."


async def evaluate_once(explain: bool) -> dict[str, object]:
    telegram = FakeTelegram()
    await telegram.start()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(bot_token=TOKEN, database_path=Path(directory) / "bench.sqlite3", admin_ids=frozenset({OPERATOR_ID}),
                            bot_api_url=telegram.base_url, group_summary_seconds=0, _env_file=None)
        run = BotRun(telegram, settings)
        await run.start()
        try:
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
        finally:
            await run.stop()
            await telegram.stop()
    kinds = Counter(m for m, _ in calls)
    return {
        "taps": taps,
        "characters_per_indicator": round(characters / len(LEVELS)),
        "api_calls_per_answer": round(len(calls) / len(LEVELS), 2),
        "calls": dict(kinds),
    }


def card_sizes() -> dict[str, dict[str, int]]:
    """The longest card text (visible characters) and most buttons of every pack, in both languages,
    for an answered indicator headed by a saved answer: the largest a card gets."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from conversations.walkthrough import Saved
    from knowledge.scoring import evaluate
    from storage.models import Answer

    builder = MessageBuilder(Renderer())
    sizes: dict[str, dict[str, int]] = {}
    for pack in PackRegistry.load():
        top = Decimal(pack.scale.max)
        for lang in ("id", "en"):
            longest = 0
            most = 0
            for ind in pack.indicators:
                answer = Answer(period_id=1, indicator=ind.number, level=top - 1 + Decimal("0.99") if pack.scale.fractional else top,
                                explanation="x", answered_by=1, updated_at=datetime.now(UTC))
                saved = Saved(ind, answer.level, None, evaluate(pack, {ind.number: answer.level}))
                reply = Reply("card", {"pack": pack, "ind": ind, "answer": answer, "level_name": None,
                                       "levels": level_lines(pack, ind, lang), "answered": 46, "evidence": 3, "saved": saved,
                                       "explained": None, "required": True},
                              card_buttons(pack, 1, ind, answer, ind.number, ind.number - 1))
                message = builder.build(reply, lang)
                longest = max(longest, len(plain(message.chunks[0])))
                most = max(most, sum(len(row) for row in message.keyboard))
            sizes[f"{pack.id}/{lang}"] = {"max_characters": longest, "max_buttons": most}
    return sizes


async def main() -> None:
    runs = 3
    optional = [await evaluate_once(explain=False) for _ in range(runs)]
    with_text = await evaluate_once(explain=True)
    report = {
        "penjelasan_optional": {**optional[-1], "characters_per_indicator_median": statistics.median(
            r["characters_per_indicator"] for r in optional)},  # type: ignore[misc]
        "penjelasan_for_every_answer": with_text,
        "cards": card_sizes(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
