"""Every Indonesian template has an English twin with the same macros, and renders valid Telegram HTML."""

from __future__ import annotations

import pytest
from jinja2 import nodes

from bot.messages import TELEGRAM_LIMIT, split_message
from bot.render import TEMPLATES, Renderer
from knowledge.packs import PackRegistry
from tests.bot.fake_telegram import visible_text

RENDERER = Renderer()
NAMES = sorted(p.name for p in (TEMPLATES / "id").glob("*.html.j2"))


def macros(lang: str, name: str) -> dict[str, list[str]]:
    source = (TEMPLATES / lang / name).read_text(encoding="utf-8")
    tree = RENDERER.env.parse(source)
    return {m.name: [a.name for a in m.args] for m in tree.find_all(nodes.Macro)}


@pytest.mark.parametrize("name", NAMES)
def test_every_template_has_an_english_twin_with_the_same_macros(name: str) -> None:
    assert (TEMPLATES / "en" / name).exists()
    assert macros("en", name) == macros("id", name)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("template", ["short", "buttons"])
def test_every_one_line_message_and_button_is_valid_telegram_html(lang: str, template: str) -> None:
    for macro, args in macros(lang, f"{template}.html.j2").items():
        values = {arg: _sample(arg) for arg in args}
        text = RENDERER.macro(template, macro, lang, **values)
        assert text.strip(), f"{lang}/{template}:{macro} renders nothing"
        visible_text(text, "HTML")  # raises on unknown or unbalanced tags, as Telegram would
        if template == "buttons":
            assert len(text) <= 40, f"{lang}/{template}:{macro} is too long for a button: {text!r}"


def _sample(arg: str) -> object:
    samples = {"current": True, "required": True, "done": True, "number": 12, "total": 47, "level": 3, "low": 1,
               "high": 5, "limit": 2000, "length": 2345, "year": 2026, "role": "officer", "kind": "kabupaten",
               "what": "penjelasan", "reason": "expired", "action": "pj", "stage": "interviu"}
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
