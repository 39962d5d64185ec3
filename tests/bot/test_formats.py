"""Numbers, dates and times in the reader's language (Babel), and how the templates use them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.formats import (
    format_date,
    format_datetime,
    format_number,
    format_time,
    format_weight,
)
from bot.render import Renderer

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("value", "places", "indonesian", "english"),
    [
        (Decimal("3.28"), 2, "3,28", "3.28"),
        (3, 2, "3,00", "3.00"),
        (3, 0, "3", "3"),
        (Decimal("0.125"), 2, "0,13", "0.13"),  # half up; half to even would give 0,12
        (2.675, 2, "2,68", "2.68"),  # the float 2.675 is 2.67499…: rounded from its decimal text
        (1.005, 2, "1,01", "1.01"),
        (Decimal("2.5"), 0, "3", "3"),
        (Decimal("0.5"), 0, "1", "1"),  # half to even would give 0
        (Decimal("0.0125"), 3, "0,013", "0.013"),
        (Decimal("-0.125"), 2, "-0,13", "-0.13"),
        (Decimal("1234.5"), 2, "1.234,50", "1,234.50"),
        (None, 2, "–", "–"),
    ],
)
def test_numbers_round_half_up_then_take_the_languages_separators(value, places: int, indonesian: str, english: str) -> None:
    assert format_number(value, "id", places) == indonesian
    assert format_number(value, "en", places) == english


def test_weights_are_percentages_with_two_decimals() -> None:
    assert format_weight(Decimal("2.5"), "id") == "2,50%"
    assert format_weight(Decimal("1.3"), "en") == "1.30%"


def test_dates_spell_the_month_in_the_language() -> None:
    assert format_date(date(2026, 12, 1), "id") == "1 Desember 2026"
    assert format_date(date(2026, 12, 1), "en") == "1 December 2026"
    assert format_date(datetime(2026, 12, 1, 23, 30, tzinfo=JAKARTA), "id") == "1 Desember 2026"  # the date in its zone


@pytest.mark.parametrize(("zone", "abbreviation"), [("Asia/Jakarta", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT")])
def test_times_carry_the_indonesian_zone_abbreviation_in_both_languages(zone: str, abbreviation: str) -> None:
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=ZoneInfo(zone))
    assert format_time(moment, "id") == f"14.05 {abbreviation}"
    assert format_time(moment, "en") == f"14:05 {abbreviation}"


def test_other_zones_get_what_cldr_has() -> None:
    assert format_time(datetime(2026, 12, 1, 7, 5, tzinfo=UTC), "en") == "07:05 UTC"


def test_a_moment_is_its_date_and_time_joined_as_the_language_joins_them() -> None:
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=JAKARTA)
    assert format_datetime(moment, "id") == "1 Desember 2026 14.05 WIB"
    assert format_datetime(moment, "en") == "1 December 2026, 14:05 WIB"


def test_templates_format_dates_and_numbers_for_the_reader() -> None:
    renderer = Renderer()
    deadline = {"stage": "penilaian_mandiri", "starts": date(2026, 12, 1), "ends": date(2026, 12, 5)}
    assert renderer.macro("short", "deadline_set", "id", **deadline) == "🗓 Tenggat penilaian mandiri: 1 Desember 2026 s.d. 5 Desember 2026."
    assert "1 December 2026 to 5 December 2026" in renderer.macro("short", "deadline_set", "en", **deadline)
    invite = {"institution": "Kab. Contoh", "role": "officer", "link": "https://t.me/x?start=C", "code": "C",
              "expires": datetime(2026, 12, 8, 7, 5, tzinfo=UTC).astimezone(JAKARTA)}
    assert "berlaku sampai 8 Desember 2026 14.05 WIB" in renderer.macro("short", "invite_created", "id", **invite)
    assert "valid until 8 December 2026, 14:05 WIB" in renderer.macro("short", "invite_created", "en", **invite)
    page = renderer.env.from_string("{{ num(x) }} {{ pct(x) }} {{ d|date }} {{ t|time }} {{ t|datetime }}")
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=JAKARTA)
    assert page.render(x=Decimal("0.125"), d=date(2026, 12, 20), t=moment) == \
        "0,13 0,13% 20 Desember 2026 14.05 WIB 1 Desember 2026 14.05 WIB"
