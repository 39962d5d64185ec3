"""What the start-up checks cost on a large database, and how fast a refused start ends.

Run: .venv/bin/python benchmarks/startup.py [MiB]
Builds a database of about 50 MiB (answers with a penjelasan of ~1,000 characters and their
history), then measures: SQLite's PRAGMA quick_check alone; open_database() with and without the
check (it also migrates, which is a no-op here, and opens the reader); and whole processes:
`spbe-bot db status` on the good file, `spbe-bot run` refusing a copy with pages overwritten in
the middle. Medians of several runs; the file is in the page cache (a first read from a cold disk
adds the time to read the file once).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import open_database
from tests.storage.bad_files import add_answered_institution

ROOT = Path(__file__).resolve().parents[1]

TEXT = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024 pasal 3-5. Analisis: " + "memenuhi kriteria level. " * 38


def build(path: Path, mib: float) -> None:
    asyncio.run(_create(path))
    now = "2026-01-05T08:00:00+00:00"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    n = 0
    while True:
        n += 1
        add_answered_institution(conn, n, TEXT, now)
        if n % 10 == 0:
            pages, size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
            if pages * size >= mib * 2**20:
                break
    conn.execute("COMMIT")
    conn.close()


async def _create(path: Path) -> None:
    await (await open_database(path)).close()


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f})"


def quick_check(path: Path) -> float:
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    elapsed = time.perf_counter() - started
    conn.close()
    assert result == "ok", result
    return elapsed


def open_close(path: Path, check: bool) -> float:
    async def run() -> float:
        started = time.perf_counter()
        db = await open_database(path, check=check)
        await db.close()
        return time.perf_counter() - started

    return asyncio.run(run())


def process(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot.cli", *argv], env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, done.stderr.strip()


def main() -> None:
    mib = float(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "large.sqlite3"
        started = time.perf_counter()
        build(path, mib)
        print(f"database: {path.stat().st_size / 2**20:.1f} MiB, built in {time.perf_counter() - started:.1f} s")
        quick_check(path)  # into the page cache
        print(f"PRAGMA quick_check: {median_ms([quick_check(path) for _ in range(7)])}")
        print(f"open_database + close, with the check: {median_ms([open_close(path, True) for _ in range(7)])}")
        print(f"open_database + close, without it: {median_ms([open_close(path, False) for _ in range(7)])}")

        env = {k: v for k, v in os.environ.items() if not k.startswith("SPBE_")}
        env["PYTHONPATH"] = str(ROOT)
        status = [process(["db", "status", "--database", str(path)], env) for _ in range(3)]
        assert all(code == 0 for _, code, _ in status), status
        print(f"spbe-bot db status (a whole process): {median_ms([seconds for seconds, _, _ in status])}")

        damaged = Path(directory) / "damaged.sqlite3"
        shutil.copy(path, damaged)
        pages = damaged.stat().st_size // 4096
        with damaged.open("r+b") as file:
            for page in range(pages // 2, pages // 2 + 4):
                file.seek(page * 4096)
                file.write(random.Random(page).randbytes(4096))
        env.update(SPBE_DATABASE_PATH=str(damaged), SPBE_BOT_TOKEN="123456789:AAF-benchmark-token", SPBE_BOT_API_URL="http://127.0.0.1:9/bot")
        refused = [process(["run"], env) for _ in range(3)]
        assert all(code == 1 for _, code, _ in refused), refused
        print(f"spbe-bot run refusing it, damaged in the middle (a whole process): {median_ms([s for s, _, _ in refused])}")
        print(f"  {refused[0][2]}")


if __name__ == "__main__":
    main()
