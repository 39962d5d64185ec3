"""The languages the assistant speaks, and which one a Telegram user gets."""

from __future__ import annotations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"  # the framework's language, and everyone's unless their Telegram is in English


def language_of(code: str | None) -> str:
    """Map a Telegram language code ("en-US", "id") to one of :data:`LANGUAGES`; Indonesian by default."""
    if code and code.split("-")[0].lower() == "en":
        return "en"
    return DEFAULT_LANGUAGE
