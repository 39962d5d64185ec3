"""Speed and size of the storage, on SQLite (the default) or PostgreSQL.

Run: .venv/bin/python benchmarks/storage.py                        # an SQLite file in a temporary folder
     .venv/bin/python benchmarks/storage.py --postgres              # a throw-away PostgreSQL server (tests/pg_server.py,
                                                                    # with its durability settings on)
     .venv/bin/python benchmarks/storage.py --postgres --no-sync    # that server without fsync at each commit (as
                                                                    # SQLite's synchronous=NORMAL in WAL mode): round trips alone
     .venv/bin/python benchmarks/storage.py --postgres URL          # an empty database of your own
Goals (issue 3): save one answer with its history, median < 2 ms; a progress summary across
600 institutions x 47 answers < 50 ms; and the database size for that data. Then the same saves
from several replicas at once (each its own database object, as several processes), in saves per
second: SQLite takes one writer at a time, PostgreSQL runs them side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import open_storage
from storage.backends import Location, OpenedStorage

INSTITUTIONS = 600
INDICATORS = 47
REPLICAS = 4
CONCURRENT_SAVES = 2000  # in all, spread over the replicas
TEXT = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024 pasal 3-5, berkas 12.a.pdf. Analisis: memenuhi kriteria level."


async def fill(db: OpenedStorage) -> list[int]:
    periods = []
    async with db.transaction() as tx:
        for n in range(INSTITUTIONS):
            institution = await tx.institutions.create(name=f"Pemerintah Kabupaten {n}", kind="kabupaten")
            await tx.members.add(institution_id=institution.id, user_id=10_000 + n, display_name=f"Petugas {n}", role="officer")
            period = await tx.periods.create(
                institution_id=institution.id, year=2025, framework="spbe-2020", level_min=1, level_max=5, indicator_count=INDICATORS
            )
            periods.append(period.id)
    return periods


async def save(db: OpenedStorage, period: int, indicator: int, level: int, by: int) -> None:
    """One answer with its history in one transaction, as the bot saves them."""
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=indicator, level=level, explanation=TEXT, by=by)


async def concurrent_saves(location: Location, periods: list[int]) -> float:
    """Saves per second from ``REPLICAS`` database objects at once, each on its own institutions."""
    replicas = [await open_storage(location) for _ in range(REPLICAS)]

    async def replica(number: int) -> None:
        mine = periods[number::REPLICAS]
        for n in range(CONCURRENT_SAVES // REPLICAS):
            await save(replicas[number], mine[n % len(mine)], n % INDICATORS + 1, n % 5 + 1, 10_000 + number)

    start = time.perf_counter()
    await asyncio.gather(*(replica(n) for n in range(REPLICAS)))
    seconds = time.perf_counter() - start
    for db in replicas:
        await db.close()
    return CONCURRENT_SAVES / seconds


async def measure(location: Location) -> tuple[list[float], list[float], float]:
    db = await open_storage(location)
    periods = await fill(db)
    samples = []
    for index, period in enumerate(periods):
        for indicator in range(1, INDICATORS + 1):
            start = time.perf_counter()
            await save(db, period, indicator, (index + indicator) % 5 + 1, 10_000 + index)
            samples.append(time.perf_counter() - start)
    summary = []
    for _ in range(20):
        start = time.perf_counter()
        progress = await db.read.answers.progress()
        summary.append(time.perf_counter() - start)
    assert len(progress) == INSTITUTIONS and all(p.answered == INDICATORS for p in progress)
    await db.close()
    return samples, summary, await concurrent_saves(location, periods)


def postgres_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--postgres", nargs="?", const="", default=None, metavar="URL",
                        help="measure PostgreSQL: an empty database at URL, or without one a throw-away server")
    parser.add_argument("--no-sync", action="store_true", help="the throw-away server without its durability settings")
    args = parser.parse_args()
    if args.postgres is None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "bench.sqlite3"
            samples, summary, rate = await measure(path)
            size = sum(f.stat().st_size for f in Path(directory).glob("bench.sqlite3*"))
        backend = "SQLite file (with WAL)"
    else:
        server = None
        url = args.postgres
        if not url:
            from tests import pg_server

            server = pg_server.start(durable=not args.no_sync)
            with server.admin() as admin:
                admin.execute("CREATE DATABASE bench")
            url = server.url("bench")
        try:
            samples, summary, rate = await measure(url)
            size = postgres_size(url)
        finally:
            if server is not None:
                server.stop()
        backend = "PostgreSQL database"

    ms = 1000
    print(f"save one answer with history ({len(samples)} saves): median {statistics.median(samples) * ms:.2f} ms, "
          f"p95 {sorted(samples)[int(len(samples) * 0.95)] * ms:.2f} ms (goal median < 2 ms)")
    print(f"progress summary, {INSTITUTIONS} institutions x {INDICATORS} answers: median {statistics.median(summary) * ms:.1f} ms "
          "(goal < 50 ms)")
    print(f"{backend} size for that data: {size / 1024 / 1024:.1f} MiB")
    print(f"{CONCURRENT_SAVES} saves from {REPLICAS} replicas at once: {rate:.0f} saves/s")


if __name__ == "__main__":
    asyncio.run(main())
