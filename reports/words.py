"""The words and number formats a renderer writes with, in the reader's language.

Renderers ask for texts by key (``words.text("report.pdf.cover_title", year=2025)``); the keys are
entries of the bot's catalogs (``bot/locales``), given as plain text (no Telegram HTML), and the
bot's implementation (``bot.report_words``) fills them with Babel's numbers and dates. Keys must be
string literals: the catalog test finds them in the source.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


class Words(Protocol):
    @property
    def lang(self) -> str: ...

    def text(self, key: str, /, **args: object) -> str:
        """The catalog text of ``key`` with its ``%(name)s`` placeholders filled (plain text)."""
        ...

    def number(self, value: Decimal | float | None, places: int = 2) -> str:
        """3.28 -> "3,28" / "3.28", rounded half up; None -> "–"."""
        ...

    def date(self, value: date | datetime) -> str: ...

    def datetime(self, value: datetime) -> str: ...
