from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from storage import open_storage
from storage.backends import Location, OpenedStorage
from storage.repositories import Storage
from tests.backends import Backend, backend_of
from tests.s3 import moto_server, s3  # noqa: F401  (fixtures: an S3 endpoint on 127.0.0.1)


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[OpenedStorage]:
    database = await backend.open()
    yield database
    await database.close()


async def make_period(db: Storage, *, framework: str = "spbe-2020", level_min: int = 1, level_max: int = 5,
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


# --- a full disk, deterministically (see tests/backends.py for how, on each backend) ----------------


async def fill_the_disk(db: OpenedStorage) -> None:
    """From now on the database cannot grow, as on a full disk."""
    await backend_of(db).fill_the_disk(db)


async def free_the_disk(db: OpenedStorage) -> None:
    await backend_of(db).free_the_disk(db)


class Clock:
    """A clock the tests move by hand (``advance``); databases and engines take it as their clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def start_twice_at_once(location: Location) -> list[BaseException]:
    """Two starts at the same moment on one database (two threads, each with its own event loop and
    connections, as two processes); what they raised."""
    together = threading.Barrier(2)
    failures: list[BaseException] = []

    async def start() -> None:
        together.wait()
        await (await open_storage(location)).close()

    def run() -> None:
        try:
            asyncio.run(start())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return failures
