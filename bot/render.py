"""Rendering user-facing text: one set of jinja2 templates, the words from the language's catalog.

Templates (``bot/templates/*.html.j2``) hold the structure and call texts by key with jinja2's
i18n extension in its new style: ``{{ _("card.unanswered") }}``, ``{{ _("card.heading",
number=ind.number, total=47) }}``. With autoescape on, a catalog text is trusted Telegram HTML
(``<b>``, ``<i>``, ``<code>``) and the values put into it are escaped. There is one jinja2
environment per language, each with that language's catalog and its Babel formats (``num``,
``pct``, ``|date``, ``|time``, ``|datetime``). The terminal (console chat and CLI) shows the same
texts as plain text via :func:`plain`.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from bot.catalogs import LOCALES, load_translations
from bot.formats import format_date, format_datetime, format_number, format_size, format_time, format_weight
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, language_of
from knowledge.caching import cache_dir

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "TEMPLATES", "Renderer", "default_renderer", "format_number",
           "format_weight", "language_of", "plain", "progress_bar"]

TEMPLATES = Path(__file__).parent / "templates"
# short:<name> replies and button labels without a macro of their own are the catalog entries
# short.<name> and button.<name>; a macro is there only where a text needs logic.
KEY_PREFIXES = {"short": "short", "buttons": "button"}


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def localized(item: object, field: str, lang: str = DEFAULT_LANGUAGE) -> Any:
    """A pack field in the reader's language: ``short_name_en`` in English where the pack fills it,
    else the field itself (pack texts are Indonesian)."""
    if lang != DEFAULT_LANGUAGE:
        value = getattr(item, f"{field}_{lang}", None)
        if value:
            return value
    return getattr(item, field)


@lru_cache(maxsize=1)
def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between runs (keyed by each template's source), so a cold CLI start
    does not compile them again."""
    folder = cache_dir()
    return FileSystemBytecodeCache(str(folder), "jinja-%s.cache") if folder else None


def _environment(directory: Path, lang: str, translations: Translations) -> Environment:
    env = Environment(
        bytecode_cache=_bytecode_cache(),
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        num=lambda value, places=2: format_number(value, lang, places),
        pct=lambda value: format_weight(value, lang),
    )
    env.filters.update(
        bar=progress_bar,
        date=partial(format_date, lang=lang),
        time=partial(format_time, lang=lang),
        datetime=partial(format_datetime, lang=lang),
        filesize=partial(format_size, lang=lang),
        local=partial(localized, lang=lang),
    )
    return env


class Renderer:
    """Templates and catalogs for every language. ``lang`` outside :data:`LANGUAGES` is Indonesian."""

    def __init__(self, directory: Path = TEMPLATES, locales: Path = LOCALES) -> None:
        self.translations = load_translations(locales)
        self.envs = {lang: _environment(directory, lang, self.translations[lang]) for lang in LANGUAGES}

    @property
    def env(self) -> Environment:
        """The Indonesian environment, for parsing and inspecting templates."""
        return self.envs[DEFAULT_LANGUAGE]

    def _template(self, name: str, lang: str) -> Template:
        return self.envs.get(lang, self.env).get_template(f"{name}.html.j2")

    def render(self, name: str, lang: str = DEFAULT_LANGUAGE, /, **context: Any) -> str:
        """Render the template ``<name>.html.j2`` in ``lang``."""
        return _tidy(self._template(name, lang).render(**context))

    def macro(self, template: str, macro: str, lang: str = DEFAULT_LANGUAGE, /, **args: Any) -> str:
        """Call ``macro`` of ``<template>.html.j2``; for ``short`` and ``buttons``, a name without a
        macro is the catalog entry ``short.<name>`` or ``button.<name>``."""
        function = getattr(self._template(template, lang).module, macro, None)
        if function is None and template in KEY_PREFIXES:
            return self.text(f"{KEY_PREFIXES[template]}.{macro}", lang, **args)
        if function is None:
            raise AttributeError(f"{template}.html.j2 has no macro {macro!r}")
        return _tidy(str(function(**args)))

    def text(self, key: str, lang: str = DEFAULT_LANGUAGE, /, **args: Any) -> str:
        """One catalog entry with its ``%(name)s`` placeholders filled, the values escaped, as ``_()``
        does in a template."""
        translations = self.translations.get(lang, self.translations[DEFAULT_LANGUAGE])
        return _tidy(str(Markup(translations.gettext(key)) % args))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def plain(text: str) -> str:
    """Telegram HTML -> terminal text: drop tags, unescape entities."""
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"<a\s+href=\"([^\"]*)\">(.*?)</a>", r"\2 (\1)", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    return Renderer()
