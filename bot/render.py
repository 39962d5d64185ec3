"""Rendering user-facing text from jinja2 templates, in Indonesian or English.

Templates are Telegram-flavoured HTML (``<b>``, ``<i>``, ``<code>``) with autoescape on; the
terminal (console chat and CLI) shows the same templates as plain text via :func:`plain`.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateNotFound, select_autoescape

from bot.formats import format_number, format_weight
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, language_of

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "TEMPLATES", "Renderer", "default_renderer", "format_number",
           "format_weight", "language_of", "plain", "progress_bar"]

TEMPLATES = Path(__file__).parent / "templates"


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


class Renderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["bar"] = progress_bar

    def _template(self, name: str, lang: str) -> Template:
        try:
            return self.env.get_template(f"{lang}/{name}.html.j2")
        except TemplateNotFound:
            return self.env.get_template(f"{DEFAULT_LANGUAGE}/{name}.html.j2")

    @staticmethod
    def _helpers(lang: str) -> dict[str, Any]:
        return {
            "lang": lang,
            "num": lambda v, places=2: format_number(v, lang, places),
            "pct": lambda v: format_weight(v, lang),
        }

    def render(self, name: str, lang: str = DEFAULT_LANGUAGE, /, **context: Any) -> str:
        """Render ``<lang>/<name>.html.j2``, falling back to Indonesian."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        return _tidy(self._template(name, lang).render(**{**self._helpers(lang), **context}))

    def macro(self, template: str, macro: str, lang: str = DEFAULT_LANGUAGE, /, **args: Any) -> str:
        """Call ``macro`` of ``<lang>/<template>.html.j2`` (short replies, button labels)."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        module = self._template(template, lang).make_module(vars=self._helpers(lang))
        return _tidy(str(getattr(module, macro)(**args)))


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
