"""Speed and size of the SQLite storage.

Run: .venv/bin/python benchmarks/storage.py
Goals (issue 3): save one answer with its history, median < 2 ms; a progress summary across
600 institutions x 47 answers < 50 ms; and the database size for that data.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import open_database

INSTITUTIONS = 600
INDICATORS = 47
TEXT = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024 pasal 3-5, berkas 12.a.pdf. Analisis: memenuhi kriteria level."


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.sqlite3"
        db = await open_database(path)
        periods = []
        async with db.transaction() as tx:
            for n in range(INSTITUTIONS):
                institution = await tx.institutions.create(name=f"Pemerintah Kabupaten {n}", kind="kabupaten")
                await tx.members.add(institution_id=institution.id, user_id=10_000 + n, display_name=f"Petugas {n}", role="officer")
                period = await tx.periods.create(
                    institution_id=institution.id, year=2025, framework="spbe-2020", level_min=1, level_max=5, indicator_count=INDICATORS
                )
                periods.append(period.id)

        # one answer with its history per transaction, as the bot saves them
        samples = []
        for index, period in enumerate(periods):
            for indicator in range(1, INDICATORS + 1):
                start = time.perf_counter()
                async with db.transaction() as tx:
                    level = (index + indicator) % 5 + 1
                    await tx.answers.save(period_id=period, indicator=indicator, level=level, explanation=TEXT, by=10_000 + index)
                samples.append(time.perf_counter() - start)

        summary = []
        for _ in range(20):
            start = time.perf_counter()
            progress = await db.read.answers.progress()
            summary.append(time.perf_counter() - start)
        assert len(progress) == INSTITUTIONS and all(p.answered == INDICATORS for p in progress)
        await db.close()
        size = sum(f.stat().st_size for f in Path(directory).glob("bench.sqlite3*"))

    ms = 1000
    print(f"save one answer with history ({len(samples)} saves): median {statistics.median(samples) * ms:.2f} ms, "
          f"p95 {sorted(samples)[int(len(samples) * 0.95)] * ms:.2f} ms (goal median < 2 ms)")
    print(
        f"progress summary, {INSTITUTIONS} institutions x {INDICATORS} answers: "
        f"median {statistics.median(summary) * ms:.1f} ms (goal < 50 ms)"
    )
    print(f"database size for that data (with WAL): {size / 1024 / 1024:.1f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
