"""Opening a database file that cannot be used: refused with one line naming the file and what to
do, and nothing left open (an open connection's thread would keep the process from exiting)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from storage import open_database
from storage.errors import DatabaseUnusable, StorageFull
from storage.sqlite import faults
from tests.storage.bad_files import CASES, good_database, make


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return good_database(tmp_path_factory.mktemp("template") / "good.sqlite3")


@pytest.mark.parametrize("case", CASES)
async def test_a_file_that_cannot_be_used_is_refused_in_one_line(case: str, tmp_path: Path, template: Path) -> None:
    bad = make(case, tmp_path, template)
    threads = threading.active_count()
    try:
        with pytest.raises(DatabaseUnusable) as refused:
            await open_database(bad.path)
    finally:
        bad.restore()
    message = str(refused.value)
    assert str(bad.path) in message and "\n" not in message, message
    for part in bad.expected:
        assert part in message, message
    for _ in range(100):  # a closed connection's thread ends a moment after close() returns
        if threading.active_count() == threads:
            break
        await asyncio.sleep(0.01)
    assert threading.active_count() == threads, "a connection was left open"


async def test_pages_overwritten_in_the_middle_pass_unnoticed_without_the_quick_check(tmp_path: Path, template: Path) -> None:
    bad = make("damaged", tmp_path, template)
    db = await open_database(bad.path, check=False)  # the header and the schema are intact: it opens
    await db.close()
    with pytest.raises(DatabaseUnusable, match=r"is damaged \(integrity check: Page \d+"):
        await open_database(bad.path)


async def test_a_good_file_passes_every_check(tmp_path: Path, template: Path) -> None:
    path = tmp_path / "copy.sqlite3"
    path.write_bytes(template.read_bytes())
    db = await open_database(path)
    try:
        assert await db.read.answers.count(1) == 47
    finally:
        await db.close()


def test_sqlite_s_own_refusals_are_explained_too(tmp_path: Path) -> None:
    """What SQLite says when the pre-checks cannot see the cause (another user's file, a read-only
    mount seen late, a file locked by another program): a connection opened read-only stands in."""
    path = tmp_path / "spbe.sqlite3"
    sqlite3.connect(path).close()
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    explained = faults.unusable(path, raised.value)
    assert isinstance(explained, DatabaseUnusable) and explained.code == "read_only"
    assert str(explained).startswith(f"database {path} cannot be opened for writing (attempt to write a readonly database): make it")
    assert isinstance(faults.translate(raised.value, "database error"), DatabaseUnusable)

    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    assert isinstance(faults.translate(full, "commit failed"), StorageFull)
    locked = sqlite3.OperationalError("database is locked")  # another program held it beyond the busy timeout
    locked.sqlite_errorname = "SQLITE_BUSY"  # type: ignore[attr-defined]
    assert str(faults.unusable(path, locked)).startswith(f"database {path} is locked by another process (database is locked): stop")
