"""Database files that cannot be used, made on purpose: the start-up cases of docs/storage.md.

Each case makes, under a folder, a database path that the program must refuse, and says what the
one line it prints must contain: the file's path and what to do. The read-only cases use the
permission bits only (``chmod``), so they mean the same when the tests run as root: the program
takes a file or folder without any write bit as read-only, for root too (``storage.sqlite.faults``).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from storage import open_database
from storage.sqlite import migrations

PAGE = 4096


@dataclass(frozen=True)
class BadFile:
    case: str
    path: Path  # what SPBE_DATABASE_PATH / --database names
    expected: tuple[str, ...]  # what the one line says, besides the path

    def restore(self) -> None:
        """Give back the permissions taken, so the test folder can be removed."""
        if self.path.parent.is_dir():
            self.path.parent.chmod(0o755)
        if self.path.is_file():
            self.path.chmod(0o644)


def good_database(path: Path) -> Path:
    """A valid database of a few hundred pages: 5 institutions x 47 answers with a penjelasan each."""

    async def create() -> None:
        await (await open_database(path)).close()

    with ThreadPoolExecutor(1) as pool:  # its own event loop, whether or not one runs here
        pool.submit(asyncio.run, create()).result()
    now = "2026-01-05T08:00:00+00:00"
    text = "Fakta: Peraturan Bupati Nomor 12 Tahun 2024 pasal 3-5. Analisis: " + "muatan lengkap. " * 60
    with sqlite3.connect(path) as conn:
        for n in range(1, 6):
            add_answered_institution(conn, n, text, now)
    conn.close()
    with sqlite3.connect(path) as conn:  # fold the WAL into the file: the pages below are the file's
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def _damaged(folder: Path, template: Path) -> BadFile:
    """Pages in the middle overwritten with random bytes (the file keeps its size and header)."""
    path = folder / "spbe.sqlite3"
    shutil.copy(template, path)
    pages = path.stat().st_size // PAGE
    noise = random.Random(20261201)
    with path.open("r+b") as file:
        for page in range(pages // 2, pages // 2 + 4):
            file.seek(page * PAGE)
            file.write(noise.randbytes(PAGE))
    return BadFile("damaged", path, ("is damaged (integrity check:", "backup"))


def _truncated(folder: Path, template: Path) -> BadFile:
    path = folder / "spbe.sqlite3"
    path.write_bytes(template.read_bytes()[: template.stat().st_size // 2 + 1000])
    return BadFile("truncated", path, ("is damaged", "backup"))


def _random_bytes(folder: Path, template: Path) -> BadFile:
    path = folder / "spbe.sqlite3"
    path.write_bytes(random.Random(7).randbytes(64 * 1024))
    return BadFile("random_bytes", path, ("is not an SQLite database", "backup"))


def _read_only_file(folder: Path, template: Path) -> BadFile:
    path = folder / "spbe.sqlite3"
    shutil.copy(template, path)
    path.chmod(0o444)
    return BadFile("read_only_file", path, ("is read-only", "writable"))


def _newer_schema(folder: Path, template: Path) -> BadFile:
    path = folder / "spbe.sqlite3"
    shutil.copy(template, path)
    newest = migrations.available()[-1].version
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {newest + 1}")
    conn.close()
    return BadFile("newer_schema", path, (f"schema version {newest + 1} is newer than this program supports ({newest})",
                                          "upgrade spbe-bot"))


def _read_only_folder(folder: Path, template: Path) -> BadFile:
    inner = folder / "data"
    inner.mkdir()
    path = inner / "spbe.sqlite3"
    shutil.copy(template, path)
    inner.chmod(0o555)
    return BadFile("read_only_folder", path, (f"the folder {inner} is read-only", "writable"))


def _parent_is_file(folder: Path, template: Path) -> BadFile:
    blocker = folder / "data"
    blocker.write_text("not a folder\n", encoding="utf-8")
    return BadFile("parent_is_file", blocker / "spbe.sqlite3", (f"{blocker} is a file, not a folder", "SPBE_DATABASE_PATH"))


MAKERS: dict[str, Callable[[Path, Path], BadFile]] = {
    "damaged": _damaged,
    "truncated": _truncated,
    "random_bytes": _random_bytes,
    "read_only_file": _read_only_file,
    "newer_schema": _newer_schema,
    "read_only_folder": _read_only_folder,
    "parent_is_file": _parent_is_file,
}
CASES = tuple(MAKERS)


def make(case: str, folder: Path, template: Path) -> BadFile:
    folder.mkdir(parents=True, exist_ok=True)
    return MAKERS[case](folder, template)


def add_answered_institution(conn: sqlite3.Connection, n: int, text: str, now: str) -> None:
    """Institution ``n`` with a 2025 spbe-2020 period whose 47 answers (and their history) are at
    level 3 with ``text`` as penjelasan: bulk data written straight into a migrated file."""
    conn.execute("INSERT INTO institutions (id, name, kind, created_at) VALUES (?, ?, 'kabupaten', ?)", (n, f"Kabupaten {n}", now))
    conn.execute("INSERT INTO periods (id, institution_id, year, framework, level_min, level_max, indicator_count, created_at)"
                 " VALUES (?, ?, 2025, 'spbe-2020', 1, 5, 47, ?)", (n, n, now))
    for indicator in range(1, 48):
        conn.execute("INSERT INTO answers (period_id, indicator, level_x100, explanation, answered_by, updated_at)"
                     " VALUES (?, ?, 300, ?, 7, ?)", (n, indicator, text, now))
        conn.execute("INSERT INTO answer_history (period_id, indicator, kind, new_level_x100, new_explanation, by_user, at)"
                     " VALUES (?, ?, 'answer', 300, ?, 7, ?)", (n, indicator, text, now))
