"""How long the daily reminder tick holds the database's writer, for many institutions at once.

Run: .venv/bin/python benchmarks/reminders.py [--institutions 300] [--rounds 5]

Every institution has a linked group with a morning digest due, an officer with overdue
assignments and 30 answers. The tick builds each group's digest (the progress summary) and each
officer's nudge, and marks the schedules sent. Measured, median over the rounds:

- "in the writer": the digests built inside the marking transaction, as the tick did before the
  update pipeline: writes of every officer wait that long;
- "now": ``Engine.due_reminders``, which builds the digests from the reader connection and holds
  the writer only to mark the schedules.

The goal (the update-pipeline issue): the digests built outside the writer lock; it measured
0.9 s of writer lock per 300 institutions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversations import schedule
from conversations.context import EngineConfig
from conversations.engine import Engine
from knowledge.packs import PackRegistry
from storage import Database, open_database
from storage.repositories import Session

MORNING = datetime(2026, 12, 1, 1, 5, tzinfo=UTC)  # 08.05 WIB: the 08.00 digests are due


async def populate(db: Database, institutions: int) -> None:
    async with db.transaction() as tx:
        for n in range(institutions):
            institution = await tx.institutions.create(name=f"Pemerintah Kabupaten {n}", kind="kabupaten")
            lead, officer = 100_000 + 2 * n, 100_001 + 2 * n
            await tx.members.add(institution_id=institution.id, user_id=lead, display_name=f"Koordinator {n}", role="koordinator")
            await tx.members.add(institution_id=institution.id, user_id=officer, display_name=f"Petugas {n}", role="officer")
            period = await tx.periods.create(institution_id=institution.id, year=2025, framework="spbe-2020", level_min=1,
                                             level_max=5, indicator_count=47)
            for indicator in range(1, 31):
                await tx.answers.save(period_id=period.id, indicator=indicator, level=1 + indicator % 5, explanation="Fakta dan analisis.",
                                      by=officer)
            await tx.assignments.assign(period_id=period.id, indicators=list(range(31, 48)), user_id=officer, assigned_by=lead,
                                        due_on=MORNING.date() - timedelta(days=3))
            chat = -1_000_000 - n
            await tx.groups.link(chat_id=chat, institution_id=institution.id, title=f"Tim SPBE {n}", linked_by=lead)
            await tx.reminders.add(kind=schedule.DIGEST, institution_id=institution.id, hour=8, chat_id=chat)


class WriterClock:
    """Wraps ``Database.transaction`` to add up the time its blocks hold the writer."""

    def __init__(self, db: Database) -> None:
        self.held = 0.0
        self._transaction = db.transaction

        @asynccontextmanager
        async def timed() -> AsyncIterator[Session]:
            async with self._transaction() as tx:
                start = time.perf_counter()
                try:
                    yield tx
                finally:
                    self.held += time.perf_counter() - start

        db.transaction = timed  # type: ignore[method-assign]


async def in_the_writer(db: Database, packs: PackRegistry) -> int:
    """The tick as it was: digests built in the transaction that marks them."""
    async with db.transaction() as tx:
        due = await schedule.due_reminders(tx, packs, MORNING)
        for item in due:
            await tx.reminders.mark_sent(item.schedule.id, MORNING)
    return len(due)


async def unmark(db: Database) -> None:
    async with db.transaction() as tx:
        for item in await tx.reminders.list():
            await tx.reminders.mark_sent(item.id, MORNING - timedelta(days=1))


async def main(institutions: int, rounds: int) -> None:
    packs = PackRegistry.load()
    with tempfile.TemporaryDirectory() as directory:
        db = await open_database(Path(directory) / "reminders.sqlite3")
        try:
            await populate(db, institutions)
            engine = Engine(db, packs, EngineConfig(), clock=lambda: MORNING)
            timer = WriterClock(db)
            figures: dict[str, list[float]] = {"in the writer": [], "now": []}
            totals: dict[str, list[float]] = {"in the writer": [], "now": []}
            for _ in range(rounds):
                for name in figures:
                    await unmark(db)
                    timer.held = 0.0
                    start = time.perf_counter()
                    sent = await in_the_writer(db, packs) if name == "in the writer" else len(await engine.due_reminders(MORNING))
                    totals[name].append(time.perf_counter() - start)
                    figures[name].append(timer.held)
                    assert sent >= institutions, f"{name}: {sent} reminders for {institutions} institutions"
        finally:
            await db.close()
    print(f"{institutions} institutions, a digest each and an officer's nudge; medians of {rounds} rounds")
    print(f"{'':16}{'writer held, ms':>18}{'whole tick, ms':>18}")
    for name in figures:
        print(f"{name:16}{statistics.median(figures[name]) * 1000:18.1f}{statistics.median(totals[name]) * 1000:18.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--institutions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.institutions, arguments.rounds))
