"""Numbers, dates and times in the reader's language, through Babel (CLDR).

Indonesian uses the ``id`` locale ("3,28", "1 Desember 2026", "14.05 WIB"). English uses
``en_GB`` rather than ``en_US``: day-month-year and a 24-hour clock, as the Indonesian readers of
the English texts are used to ("3.28", "1 December 2026", "14:05 WIB").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.dates import get_datetime_format
from babel.numbers import format_decimal

from bot.languages import DEFAULT_LANGUAGE

LOCALES = {"id": Locale.parse("id"), "en": Locale.parse("en_GB")}

# CLDR gives these only in the Indonesian locale ("+0700" in English); Indonesians write them in
# every language.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def locale_of(lang: str) -> Locale:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])


def format_number(value: Decimal | float | None, lang: str = DEFAULT_LANGUAGE, places: int = 2) -> str:
    """3.28 -> "3,28" in Indonesian, "3.28" in English, always ``places`` decimals; None -> "–".

    Rounds half up (the framework's rule: 0.125 -> 0.13) before Babel sees the number: Babel rounds
    half to even, so it only gets values that already have exactly ``places`` decimals.
    """
    if value is None:
        return "–"
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _formatted(str(rounded), lang, places)


@lru_cache(maxsize=4096)
def _formatted(rounded: str, lang: str, places: int) -> str:
    """Babel's formatting, kept: a card shows a dozen numbers, mostly the same weights and indices
    again, and Babel takes about 40 µs for each. Keyed by the text, so -0.00 and 0.00 stay apart."""
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(Decimal(rounded), format=pattern, locale=locale_of(lang))


def format_weight(value: Decimal | float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A weight in percent with two decimals: 2.5 -> "2,50%"."""
    return format_number(value, lang) + "%"


def format_size(size: int | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A file size as people read it: "820 B", "245 KB", "2,4 MB" (binary units, as file managers show)."""
    if size is None:
        return "–"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_number(Decimal(size) / 1024, lang, 0)} KB"
    return f"{format_number(Decimal(size) / (1024 * 1024), lang, 1)} MB"


def format_date(value: date | datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """1 Desember 2026 / 1 December 2026. A datetime is shown as the date in its own zone."""
    return babel_date(value, format="long", locale=locale_of(lang))


def format_time(value: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """14.05 WIB / 14:05 WIB: hours and minutes in the datetime's zone, with the zone's abbreviation."""
    time_text = babel_time(value, format="short", tzinfo=value.tzinfo, locale=locale_of(lang))
    zone = zone_abbreviation(value, lang)
    return f"{time_text} {zone}" if zone else time_text


def format_datetime(value: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """1 Desember 2026 14.05 WIB / 1 December 2026, 14:05 WIB, joined as the locale joins them."""
    pattern = get_datetime_format("medium", locale=locale_of(lang))
    return pattern.replace("{1}", format_date(value, lang)).replace("{0}", format_time(value, lang))


def zone_abbreviation(value: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """WIB, WITA, WIT for Indonesia's zones; what CLDR has for the others ("CET", "+0100"); ""
    for a naive datetime."""
    zone = value.tzinfo
    if zone is None:
        return ""
    if isinstance(zone, ZoneInfo) and zone.key in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[zone.key]
    return babel_time(value, format="z", tzinfo=zone, locale=locale_of(lang))
