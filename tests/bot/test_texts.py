"""The catalogs: every key the templates and the code use has a text in every language, with the
same placeholders, and no catalog keeps a text nobody uses."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.catalogs import catalog_path, load_translations, read_catalog
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.render import Renderer
from tests.bot.text_keys import (
    all_uses,
    code_names,
    placeholders,
    template_names,
    template_uses,
)

RENDERER = Renderer()
USES = all_uses(RENDERER)
CATALOGS = {lang: read_catalog(lang) for lang in LANGUAGES}
# English texts may name a pack's English field next to the official Indonesian one ("Baik / Good").
ENGLISH_ONLY = re.compile(r"_en$")


def texts(lang: str) -> dict[str, str]:
    return {m.id: m.string for m in CATALOGS[lang] if m.id}


def test_the_templates_and_the_code_use_keys() -> None:
    keys = {u.key for u in USES}
    assert {"card.unanswered", "short.stale_button", "button.criteria", "menu.private.mulai", "menu.group.progres"} <= keys


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_in_use_has_a_text(lang: str) -> None:
    catalog = texts(lang)
    missing = sorted({f"{u.key} ({u.where})" for u in USES if not catalog.get(u.key)})
    assert not missing, f"{catalog_path(lang)} has no text for: {missing}"
    assert not [m.id for m in CATALOGS[lang] if m.id and m.fuzzy], "fuzzy texts are not shown; settle them"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalog_has_unused_keys(lang: str) -> None:
    unused = sorted(set(texts(lang)) - {u.key for u in USES})
    assert not unused, f"{catalog_path(lang)} has texts nobody uses: {unused}"


def test_both_languages_have_the_same_placeholders() -> None:
    indonesian, english = texts("id"), texts("en")
    for key in sorted(indonesian.keys() & english.keys()):
        ours = placeholders(indonesian[key])
        assert not {p for p in ours if ENGLISH_ONLY.search(p)}, f"{key}: an English field in the Indonesian text"
        theirs = {p for p in placeholders(english[key]) if not ENGLISH_ONLY.search(p)}
        assert ours == theirs, f"{key}: placeholders differ, id {sorted(ours)} en {sorted(theirs)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_a_format_string_with_named_placeholders_only(lang: str) -> None:
    """Every text goes through ``%`` (new-style gettext), so a literal percent sign is ``%%``."""
    for key, text in texts(lang).items():
        rest = re.sub(r"%%|%\(\w+\)s", "", text)
        assert "%" not in rest, f"{lang} {key}: {text!r}"


def test_the_values_passed_fill_every_placeholder() -> None:
    """A template passes exactly the values the texts use; the code passes at least those."""
    templates = {(u.key, u.where) for u in template_uses(RENDERER)}
    for use in USES:
        if use.args is None:
            continue
        wanted = set().union(*(placeholders(texts(lang).get(use.key, "")) for lang in LANGUAGES))
        if (use.key, use.where) in templates:
            assert wanted == use.args, f"{use.where}: {use.key} is given {sorted(use.args)}, its texts use {sorted(wanted)}"
        else:
            assert wanted <= use.args, f"{use.where}: {use.key} is not given {sorted(wanted - use.args)}"


def test_every_view_the_engine_names_has_a_template() -> None:
    views = {n.name for n in code_names() if n.kind == "view"}
    assert {"card", "explain", "menu", "summary", "progress"} <= views
    assert views <= set(template_names())


def test_no_text_shows_an_iso_date() -> None:
    for lang in LANGUAGES:
        for key, text in texts(lang).items():
            assert not re.search(r"\d{4}-\d{2}-\d{2}", text), f"{lang} {key}: {text!r}"


def _write_catalog(directory: Path, lang: str, entries: dict[str, str]) -> None:
    catalog = Catalog(locale=lang)
    for key, text in entries.items():
        catalog.add(key, text)
    path = catalog_path(lang, directory)
    path.parent.mkdir(parents=True)
    with path.open("wb") as file:
        write_po(file, catalog)


def test_a_key_missing_in_a_language_falls_back_to_indonesian_and_is_logged_if_missing_there(tmp_path: Path, caplog) -> None:
    _write_catalog(tmp_path, "id", {"a": "satu", "b": "dua"})
    _write_catalog(tmp_path, "en", {"a": "one", "c": ""})
    translations = load_translations(tmp_path)
    assert translations["en"].gettext("a") == "one"
    assert translations["en"].gettext("b") == "dua"
    with caplog.at_level(logging.ERROR, logger="bot.catalogs"):
        assert translations["en"].gettext("c") == "c"  # empty in English, absent in Indonesian
    assert "no text for 'c'" in caplog.text
    assert translations[DEFAULT_LANGUAGE].gettext("a") == "satu"
