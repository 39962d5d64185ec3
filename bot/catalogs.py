"""The texts: one gettext catalog per language, ``bot/locales/<lang>/LC_MESSAGES/messages.po``.

Message ids are stable keys (``card.unanswered``, ``short.stale_button``, ``button.criteria``,
``menu.private.mulai``); each catalog holds the full text in its language. The ``.po`` files are
read with Babel and compiled in memory at start-up, so a fresh checkout needs no compile step.

A key missing from a catalog falls back to Indonesian; a key missing from Indonesian too is logged
as an error and shown as the key (``tests/bot/test_texts.py`` keeps that from happening).
"""

from __future__ import annotations

import gettext
import hashlib
import logging
import os
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from babel.support import Translations

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from knowledge.caching import cache_dir

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

log = logging.getLogger(__name__)

LOCALES = Path(__file__).parent / "locales"


def catalog_path(lang: str, directory: Path = LOCALES) -> Path:
    return directory / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(lang: str, directory: Path = LOCALES) -> Catalog:
    from babel.messages.pofile import read_po  # the .po reader loads only when a catalog is compiled

    with catalog_path(lang, directory).open("rb") as file:
        return read_po(file, locale=lang)


def compile_catalog(catalog: Catalog) -> Translations:
    """The catalog as gettext translations, compiled in memory (fuzzy and empty entries left out)."""
    return Translations(BytesIO(_mo_bytes(catalog)))


def _mo_bytes(catalog: Catalog) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _compiled(lang: str, directory: Path) -> Translations:
    """One language's translations; the compiled form is kept in the cache folder while the .po file
    is unchanged, so a cold start reads no .po file."""
    path = catalog_path(lang, directory)
    stat = path.stat()
    folder = cache_dir()
    cached = None
    if folder is not None:
        key = repr((str(path.resolve()), stat.st_mtime_ns, stat.st_size))
        cached = folder / f"catalog-{lang}-{hashlib.sha256(key.encode()).hexdigest()[:24]}.mo"
        if cached.is_file():
            try:
                return Translations(BytesIO(cached.read_bytes()))
            except (OSError, ValueError):
                pass
    data = _mo_bytes(read_catalog(lang, directory))
    if cached is not None:
        try:
            temporary = cached.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, cached)
        except OSError:
            pass
    return Translations(BytesIO(data))


class _MissingText(gettext.NullTranslations):
    """The end of every fallback chain: a key that no catalog has is logged and shown as is."""

    def gettext(self, message: str) -> str:
        log.error("no text for %r in any catalog", message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        log.error("no text for %r in any catalog", msgid1)
        return msgid1 if n == 1 else msgid2


@lru_cache(maxsize=4)
def load_translations(directory: Path = LOCALES) -> dict[str, Translations]:
    """Every language's translations; each falls back to Indonesian for a key it lacks."""
    default = _compiled(DEFAULT_LANGUAGE, directory)
    default.add_fallback(_MissingText())
    translations = {DEFAULT_LANGUAGE: default}
    for lang in LANGUAGES:
        if lang != DEFAULT_LANGUAGE:
            translations[lang] = _compiled(lang, directory)
            translations[lang].add_fallback(default)
    return translations


def text(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The plain catalog text of ``key`` (command menus; templates use ``_()``)."""
    translations = load_translations()
    return translations.get(lang, translations[DEFAULT_LANGUAGE]).gettext(key)
