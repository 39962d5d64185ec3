"""Snapshots of the demo institution (every pack), read through the real storage and engine code
with fixed clocks, so every file made from them is the same from run to run."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.demo import create_demo
from bot.report_words import CatalogWords
from conversations.exports import snapshot
from knowledge.packs import PackRegistry
from reports.snapshot import Snapshot
from storage import open_database
from tests.conversations.conftest import clock, engine  # noqa: F401  (fixtures: the engine on a fresh database)

PACKS = PackRegistry.load()
MADE_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10.00 WIB
TODAY = date(2026, 12, 1)


async def _demo_snapshots(folder: Path) -> dict[str, Snapshot]:
    db = await open_database(folder / "demo.sqlite3", clock=lambda: datetime(2026, 11, 20, 2, 30, tzinfo=UTC))
    try:
        institution, _ = await create_demo(db, PACKS, TODAY)
        periods = await db.read.periods.list(institution)
        return {p.framework: await snapshot(db.read, PACKS, p, MADE_AT, "Asia/Jakarta") for p in periods}
    finally:
        await db.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Snapshot]:
    """framework id -> the snapshot of the demo institution's period in that pack."""
    return asyncio.run(_demo_snapshots(tmp_path_factory.mktemp("demo")))


@pytest.fixture(params=["id", "en"])
def words(request: pytest.FixtureRequest) -> CatalogWords:
    return CatalogWords(request.param)
