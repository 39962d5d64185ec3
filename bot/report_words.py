"""The words of the deliverables in one language: catalog texts as plain text, Babel's numbers and dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.catalogs import load_translations
from bot.formats import format_date, format_datetime, format_number
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES


class CatalogWords:
    """:class:`reports.words.Words` over the bot's catalogs. Report texts are plain text: the values
    are put in as they are, with no HTML escaping."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self._lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        translations = load_translations()
        self._translations = translations.get(self._lang, translations[DEFAULT_LANGUAGE])

    @property
    def lang(self) -> str:
        return self._lang

    def text(self, key: str, /, **args: object) -> str:
        return self._translations.gettext(key) % args

    def number(self, value: Decimal | float | None, places: int = 2) -> str:
        return format_number(value, self._lang, places)

    def date(self, value: date | datetime) -> str:
        return format_date(value, self._lang)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, self._lang)
