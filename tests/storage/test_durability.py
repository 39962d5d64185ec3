"""Durability: a writer killed with SIGKILL mid-burst (both backends), and a backup of an SQLite file
taken while writes go on (PostgreSQL's backups are pg_dump's: tests/storage/test_postgres.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import textwrap
from pathlib import Path

from storage import Database, open_database
from tests.backends import Backend
from tests.storage.conftest import make_period

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from storage import open_storage

    async def main(location, period):
        db = await open_storage(location)
        n = 0
        while True:
            n += 1
            indicator, level = n % 47 + 1, n % 5 + 1
            async with db.transaction() as tx:
                await tx.answers.save(period_id=period, indicator=indicator, level=level, explanation=f"tulisan {n}", by=7)
            print(f"{indicator} {level} {n}", flush=True)  # printed only after the commit

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    """
)


async def test_committed_answers_survive_a_sigkill(backend: Backend) -> None:
    db = await backend.open()
    _, period = await make_period(db)
    await db.close()

    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(backend.location), str(period), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    committed: dict[int, tuple[int, int]] = {}
    assert child.stdout is not None
    while len(committed) < 47 or max(n for _, n in committed.values()) < 150:
        line = await asyncio.wait_for(child.stdout.readline(), timeout=30)
        assert line, "the writer stopped early"
        indicator, level, n = map(int, line.split())
        committed[indicator] = (level, n)
    child.send_signal(signal.SIGKILL)
    await child.wait()

    db = await backend.open()
    try:
        stored = await db.read.answers.levels(period)
        history = await db.read.answers.history(period)
    finally:
        await db.close()
    # every answer whose commit was reported is there, at that value or a later one
    for indicator, (_level, n) in committed.items():
        later = [h for h in history if h.indicator == indicator and int(h.new_explanation.split()[1]) >= n]
        assert later, f"indicator {indicator}: committed write {n} lost"
        assert stored[indicator] == later[-1].new_level
    assert backend.integrity_ok()


async def test_a_backup_taken_during_writes_restores_a_consistent_state(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "spbe.sqlite3")
    try:
        await _back_up_during_writes(db, tmp_path)
    finally:
        await db.close()


async def _back_up_during_writes(db: Database, tmp_path: Path) -> None:
    _, period = await make_period(db)
    stop = asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set():
            n += 1
            async with db.transaction() as tx:
                await tx.answers.save(period_id=period, indicator=n % 47 + 1, level=n % 5 + 1, explanation=f"v{n}", by=7)
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    while await db.read.answers.count(period) < 47:
        await asyncio.sleep(0.01)
    copy = tmp_path / "backup.sqlite3"
    await db.backup(copy)
    stop.set()
    written = await task

    restored = await open_database(copy)
    try:
        answers = {a.indicator: a for a in await restored.read.answers.list(period)}
        history = await restored.read.answers.history(period)
    finally:
        await restored.close()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(answers) == 47 and 0 < len(history) <= written
    for indicator, answer in answers.items():  # every answer equals the last history row for it in the copy
        last = [h for h in history if h.indicator == indicator][-1]
        assert (answer.level, answer.explanation) == (last.new_level, last.new_explanation)
