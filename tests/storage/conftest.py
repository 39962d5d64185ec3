from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Database, open_database
from tests.s3 import moto_server, s3  # noqa: F401  (fixtures: an S3 endpoint on 127.0.0.1)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "spbe.sqlite3")
    yield database
    await database.close()


async def make_period(db: Database, *, framework: str = "spbe-2020", level_min: int = 1, level_max: int = 5,
                      indicators: int = 47, fractional: bool = False, year: int = 2025) -> tuple[int, int]:
    """An institution with one officer (user 7) and one period; returns (institution id, period id)."""
    async with db.transaction() as tx:
        institution = await tx.institutions.create(name="Pemerintah Kota Contoh", kind="kota", region="Bali")
        await tx.members.add(institution_id=institution.id, user_id=7, display_name="Ayu", role="officer")
        period = await tx.periods.create(
            institution_id=institution.id, year=year, framework=framework, level_min=level_min, level_max=level_max,
            indicator_count=indicators, fractional=fractional,
        )
    return institution.id, period.id


# --- a full disk, deterministically ----------------------------------------------------------------


async def fill_the_disk(db: Database) -> None:
    """From now on the database file cannot grow, as on a full disk: SQLite's ``max_page_count`` on
    the writer connection, set to the pages the file has. A write that needs a new page fails with
    SQLITE_FULL, one that fits in the free space of a page still succeeds (as on a real disk)."""
    writer = db._writer
    async with writer.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await writer.execute(f"PRAGMA max_page_count = {int(row[0])}")


async def free_the_disk(db: Database) -> None:
    await db._writer.execute("PRAGMA max_page_count = 1073741823")


class Clock:
    """A clock the tests move by hand (``advance``); databases and engines take it as their clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

