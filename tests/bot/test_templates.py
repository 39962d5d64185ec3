"""Every one-line message and button label renders valid Telegram HTML in every language; long
messages are split without cutting a tag."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.languages import LANGUAGES
from bot.messages import TELEGRAM_LIMIT, MessageBuilder, split_message
from bot.render import KEY_PREFIXES, Renderer
from conversations.replies import Reply
from conversations.walkthrough import MAX_BUTTONS, LevelLine, Saved, card_buttons, level_lines
from knowledge.models import Indicator, Pack
from knowledge.packs import PackRegistry
from knowledge.scoring import index_score
from storage.models import Answer, AnswerStatus
from tests.bot.fake_telegram import visible_text
from tests.bot.text_keys import code_names, macros, placeholders

RENDERER = Renderer()
BUILDER = MessageBuilder(RENDERER)
PACKS = PackRegistry.load()
CARD_CHARS = 700


def one_line_texts(kind: str) -> dict[str, list[str]]:
    """Every short message (or button label) the engine names or a macro defines, with its arguments."""
    names = {n.name for n in code_names() if n.kind == kind}
    with_macros = macros(RENDERER, kind)
    texts = {}
    for name in sorted(names | set(with_macros)):
        if name in with_macros:
            texts[name] = with_macros[name]
        else:
            key = f"{KEY_PREFIXES[kind]}.{name}"
            texts[name] = sorted(set().union(*(placeholders(RENDERER.translations[lang].gettext(key)) for lang in LANGUAGES)))
    return texts


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["short", "buttons"])
def test_every_one_line_message_and_button_is_valid_telegram_html(lang: str, kind: str) -> None:
    texts = one_line_texts(kind)
    assert len(texts) > (60 if kind == "short" else 25)
    for name, args in texts.items():
        text = RENDERER.macro(kind, name, lang, **{arg: _sample(arg) for arg in args})
        assert text.strip(), f"{lang} {kind}:{name} renders nothing"
        assert not text.startswith(f"{KEY_PREFIXES[kind]}."), f"{lang} {kind}:{name} has no text"
        visible_text(text, "HTML")  # raises on unknown or unbalanced tags, as Telegram would
        if kind == "buttons":
            assert len(text) <= 40, f"{lang} {kind}:{name} is too long for a button: {text!r}"


def _sample(arg: str) -> object:
    jakarta = ZoneInfo("Asia/Jakarta")
    samples = {"current": True, "required": True, "done": True, "waiting": True, "number": 12, "total": 47, "level": 3,
               "low": 1, "high": 5, "limit": 2000, "length": 2345, "count": 3, "year": 2026, "role": "officer",
               "kind": "kabupaten", "what": "penjelasan", "reason": "expired", "action": "pj", "stage": "interviu",
               "due": date(2026, 12, 20), "starts": date(2026, 12, 1), "ends": date(2026, 12, 20),
               "expires": datetime(2026, 12, 8, 14, 5, tzinfo=jakarta), "time": datetime(2026, 12, 1, 8, 0, tzinfo=jakarta),
               "places": 0, "next_level": 4,
               "next_criteria": "Dokumen direviu berkala. " * 12, "old": 3, "view": "sw", "own": False,
               "format": "pdf", "lead": False, "group": False, "made_at": datetime(2026, 12, 1, 8, 0, tzinfo=jakarta),
               "value": Decimal("2.71"), "now": Decimal(2), "top": 5, "band": "Sangat Baik", "chosen": True,
               "name": "Dr. Ratna Widyaningsih", "institution": "Pemerintah Kabupaten Contoh",
               "verdict": "revision", "choice": "r", "status": "not_relevant", "size": 25 * 1024 * 1024, "code": "B-012", "before": True,
               "on": True, "label": "3.2", "place": "3.2"}
    return samples.get(arg, f"<{arg} & sample>")


def test_long_messages_are_split_at_paragraphs_and_lines_under_the_limit() -> None:
    paragraph = "\n".join(f"<b>Baris {n}</b> " + "kata " * 30 for n in range(12))
    text = "\n\n".join(paragraph for _ in range(6)) + "\n" + "x" * 5000  # and one line over the limit
    chunks = split_message(text)
    assert len(chunks) > 2 and all(len(c) <= TELEGRAM_LIMIT for c in chunks)
    for chunk in chunks:
        visible_text(chunk, "HTML")  # no tag is cut in two
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def largest_card(pack: Pack, ind: Indicator, lang: str, *, levels: list[LevelLine] | None = None) -> Reply:
    """The card of ``ind`` at its largest: headed by a saved answer, answered at the top level with
    a missing required penjelasan, locked, with evidence (what the engine's ``card()`` passes)."""
    top = Decimal(pack.scale.max)
    answer = Answer(period_id=1, indicator=ind.number, level=top, explanation=None, status=AnswerStatus.FINAL, answered_by=1,
                    updated_at=datetime(2026, 12, 1, tzinfo=UTC))
    saved = Saved(ind, top, pack.level_name(ind, pack.scale.max), index_score(pack, {ind.number: top}))
    data = {"pack": pack, "ind": ind, "answer": answer, "level_name": pack.level_name(ind, pack.scale.max),
            "levels": levels if levels is not None else level_lines(pack, ind, lang), "answered": len(pack.indicators) - 1, "evidence": 12,
            "saved": saved, "explained": None, "required": True}
    return Reply("card", data, card_buttons(pack, 1, ind, answer, ind.number, ind.number - 1), card=True)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("framework", ["spbe-2020", "spbe-2018", "pemdi-2026"])
def test_every_card_fits_a_phone_and_says_what_each_level_means(lang: str, framework: str) -> None:
    pack = PACKS.get(framework)
    for ind in pack.indicators:
        message = BUILDER.build(largest_card(pack, ind, lang), lang)
        visible = visible_text(message.chunks[0], "HTML")
        assert len(message.chunks) == 1 and len(visible) <= CARD_CHARS, (framework, ind.number, len(visible), visible)
        assert sum(len(row) for row in message.keyboard) <= MAX_BUTTONS
        for line in level_lines(pack, ind, lang):
            assert f"{line.level} {line.name} · {line.summary}" in visible, (framework, ind.number, line)
        assert visible.startswith(f"✅ {ind.number} ")  # the line confirming the answer just saved


def test_the_card_of_a_pack_without_summaries_shows_the_start_of_the_criteria() -> None:
    pack = PACKS.get("spbe-2020")
    ind = pack.indicator(12)
    bare = ind.model_copy(update={"levels": {n: c.model_copy(update={"summary": None, "summary_en": None}) for n, c in ind.levels.items()}})
    visible = visible_text(BUILDER.build(largest_card(pack, bare, "en", levels=level_lines(pack, bare, "en")), "en").chunks[0], "HTML")
    assert "1 Initial · Instansi belum memiliki dokumen Peta…" in visible
    assert "3 Defined · Dokumen Peta Rencana SPBE sudah lengkap…" in visible
