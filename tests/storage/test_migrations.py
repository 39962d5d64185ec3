"""Migrations: from empty, from every earlier version, re-run, and a database newer than the code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import open_database
from storage.errors import DatabaseTooNew
from storage.sqlite import migrations
from storage.sqlite.database import connect
from tests.storage.conftest import start_twice_at_once


async def test_an_empty_file_gets_the_newest_schema(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "new" / "spbe.sqlite3")
    await db.close()
    with sqlite3.connect(tmp_path / "new" / "spbe.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.available()[-1].version
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"institutions", "members", "invitations", "periods", "answers", "answer_history", "evidence",
            "evidence_links", "group_links", "assignments", "reminder_schedules", "positions", "processed_updates", "pending_assignments",
            "schema_migrations"} <= tables


async def test_rerunning_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "spbe.sqlite3"
    await (await open_database(path)).close()
    db = await open_database(path)
    await db.close()
    conn = await connect(path)
    try:
        assert await migrations.upgrade(conn) == []
        assert len(await migrations.applied(conn)) == len(migrations.available())
    finally:
        await conn.close()


@pytest.mark.parametrize("start", range(len(migrations.available())))
async def test_upgrade_from_every_earlier_version_keeps_the_data(tmp_path: Path, start: int) -> None:
    path = tmp_path / "spbe.sqlite3"
    conn = await connect(path)
    try:
        await migrations.upgrade(conn, target=start)
        assert await migrations.current_version(conn) == start
        if start >= 1:  # data valid at version 1 onwards
            await conn.execute(
                "INSERT INTO institutions (name, kind, created_at) VALUES ('Kab A', 'kabupaten', '2025-01-01T00:00:00+00:00')"
            )
    finally:
        await conn.close()
    db = await open_database(path)
    try:
        async with db.transaction() as tx:
            institution = await tx.institutions.create(name="Kab B", kind="kabupaten")
        names = [i.name for i in await db.read.institutions.list()]
    finally:
        await db.close()
    assert names == (["Kab A", "Kab B"] if start >= 1 else ["Kab B"])
    assert institution.id == len(names)


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "spbe.sqlite3"
    await (await open_database(path)).close()
    newest = migrations.available()[-1].version
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {newest + 5}")
    with pytest.raises(DatabaseTooNew) as refused:
        await open_database(path)
    assert str(refused.value) == (f"database {path}: schema version {newest + 5} is newer than this program supports ({newest}): "
                                  "upgrade spbe-bot")


def test_migration_files_are_numbered_without_gaps(tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE a (x);")
    (tmp_path / "0003_third.sql").write_text("CREATE TABLE c (x);")
    with pytest.raises(Exception, match="without gaps"):
        migrations.available(tmp_path)


def test_two_processes_starting_on_a_new_file_take_turns(tmp_path: Path) -> None:
    """Two starts at the same moment on a file that does not exist yet (two threads, each with its own
    connections and event loop, as two processes): both succeed, every migration is applied once."""
    newest = migrations.available()[-1].version
    for attempt in range(20):
        path = tmp_path / f"start{attempt}" / "spbe.sqlite3"
        failures = start_twice_at_once(path)
        assert not failures, f"attempt {attempt}: {failures!r}"
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == newest
            assert conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall() == [(v,) for v in range(1, newest + 1)]
        conn.close()
