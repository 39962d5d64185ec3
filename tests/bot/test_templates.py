"""Every one-line message and button label renders valid Telegram HTML in every language; long
messages are split without cutting a tag."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.languages import LANGUAGES
from bot.messages import TELEGRAM_LIMIT, split_message
from bot.render import KEY_PREFIXES, Renderer
from knowledge.packs import PackRegistry
from tests.bot.fake_telegram import visible_text
from tests.bot.text_keys import code_names, macros, placeholders

RENDERER = Renderer()


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
               "expires": datetime(2026, 12, 8, 14, 5, tzinfo=jakarta)}
    return samples.get(arg, f"<{arg} & sample>")


def test_long_messages_are_split_at_paragraphs_and_lines_under_the_limit() -> None:
    paragraph = "\n".join(f"<b>Baris {n}</b> " + "kata " * 30 for n in range(12))
    text = "\n\n".join(paragraph for _ in range(6)) + "\n" + "x" * 5000  # and one line over the limit
    chunks = split_message(text)
    assert len(chunks) > 2 and all(len(c) <= TELEGRAM_LIMIT for c in chunks)
    for chunk in chunks:
        visible_text(chunk, "HTML")  # no tag is cut in two
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_card_shows_each_level_in_a_few_words(lang: str) -> None:
    for framework in ("spbe-2020", "spbe-2018", "pemdi-2026"):
        pack = PackRegistry.load().get(framework)
        for ind in pack.indicators:
            text = RENDERER.render("card", lang, pack=pack, ind=ind, answer=None, level_name=None, answered=0, evidence=[])
            visible = visible_text(text, "HTML")
            for level, c in ind.levels.items():
                summary = c.summary_en if lang == "en" else c.summary
                assert f"{level} {pack.level_name(ind, level)} · {summary}" in visible, (framework, ind.number, level)


def test_the_card_of_a_pack_without_summaries_shows_the_start_of_the_criteria() -> None:
    pack = PackRegistry.load().get("spbe-2020")
    ind = pack.indicator(12)
    bare = ind.model_copy(update={"levels": {n: c.model_copy(update={"summary": None, "summary_en": None}) for n, c in ind.levels.items()}})
    visible = visible_text(RENDERER.render("card", "en", pack=pack, ind=bare, answer=None, level_name=None, answered=0, evidence=[]), "HTML")
    assert "1 Rintisan · Instansi belum memiliki dokumen Peta…" in visible
    assert "3 Terdefinisi · Dokumen Peta Rencana SPBE sudah memuat…" in visible
