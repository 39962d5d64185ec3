"""SQLite's failures as storage errors that say, in one line, what is wrong and what to do.

:func:`translate` maps an error raised while working: a full disk becomes :class:`StorageFull`,
a damaged or read-only file :class:`DatabaseUnusable`, anything else :class:`StorageError`.
:func:`check_location` and :func:`unusable` explain, before and while opening, why a database file
cannot be used: a parent path that is a file, a read-only folder or file, not a database, damaged,
locked by another process. Each message names the file.

Read-only, for a process running as root: root may write any file, whatever its permission bits,
so SQLite would happily write a file its owner marked read-only (``chmod a-w``). A file or folder
without any write bit is taken as read-only by intent, for root too: the bot then behaves as it
would under the unprivileged user it normally runs as, and the tests of the read-only cases mean
the same whoever runs them.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from storage.errors import DatabaseUnusable, StorageError, StorageFull

RESTORE = "stop the bot and put the latest backup in its place (spbe-bot backup DEST makes one), or move it away to start afresh"
WRITABLE = "make it writable for the user running spbe-bot, or set SPBE_DATABASE_PATH to a file in a writable folder"


def error_name(exc: sqlite3.Error) -> str:
    """SQLite's name of the error (``SQLITE_FULL``, ``SQLITE_READONLY_DIRECTORY``...), or ``""``."""
    return str(getattr(exc, "sqlite_errorname", "") or "")


def one_line(text: str) -> str:
    return " ".join(text.split())


def translate(exc: sqlite3.Error, doing: str) -> StorageError:
    """The storage error for ``exc``, raised while ``doing`` ("database error", "commit failed"...)."""
    name = error_name(exc)
    message = f"{doing}: {one_line(str(exc))}"
    if name.startswith("SQLITE_FULL"):
        return StorageFull(message + " (nothing of this change was saved)", code="full")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return DatabaseUnusable(f"{message}: {RESTORE}", code="damaged")
    if name.startswith("SQLITE_READONLY"):
        return DatabaseUnusable(f"{message}: {WRITABLE}", code="read_only")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StorageError(message, code="locked")
    return StorageError(message)


def writable(path: Path) -> bool:
    """Whether this process may write ``path``; as root, only if some write bit is set (see above)."""
    if not os.access(path, os.W_OK):
        return False
    geteuid = getattr(os, "geteuid", None)
    return geteuid is None or geteuid() != 0 or bool(path.stat().st_mode & 0o222)


def check_location(path: Path, *, create_folder: bool) -> None:
    """Refuse, with one line, a database path that cannot work: its folder is a file or read-only,
    the file is a folder or read-only. With ``create_folder``, make the missing folders."""
    folder = path.parent
    existing = folder
    for existing in (folder, *folder.parents):
        try:
            mode = existing.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise DatabaseUnusable(f"database {path}: cannot reach the folder {existing} ({exc.strerror or exc}): {WRITABLE}",
                                   code="folder") from exc
        if not stat.S_ISDIR(mode):
            raise DatabaseUnusable(f"database {path}: {existing} is a file, not a folder: set SPBE_DATABASE_PATH to a file in a folder, "
                                   f"or move {existing} away", code="folder")
        break
    if existing != folder:  # folders to make
        if not writable(existing):
            raise DatabaseUnusable(f"database {path}: cannot create the folder {folder}: {existing} is read-only: {WRITABLE}",
                                   code="folder")
        if not create_folder:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnusable(f"database {path}: cannot create the folder {folder} ({exc.strerror or exc}): {WRITABLE}",
                                   code="folder") from exc
    if path.is_dir():
        raise DatabaseUnusable(f"database {path} is a folder, not a file: set SPBE_DATABASE_PATH to a file, e.g. {path / 'spbe.sqlite3'}",
                               code="folder")
    if not writable(folder):
        raise DatabaseUnusable(f"database {path}: the folder {folder} is read-only (SQLite writes the -wal and -shm files next to the "
                               f"database): {WRITABLE}", code="folder")
    if path.exists() and not writable(path):
        raise DatabaseUnusable(f"database {path} is read-only: make it writable for the user running spbe-bot (chmod u+w), "
                               "or set SPBE_DATABASE_PATH to a writable copy", code="read_only")


def unusable(path: Path, exc: sqlite3.Error, *, doing: str | None = None) -> StorageError:
    """Why the database at ``path`` could not be opened, checked or migrated, as one line;
    ``doing`` is what failed ("migration 0004_x.sql failed: ..."), said when SQLite's code tells no more."""
    name = error_name(exc)
    detail = one_line(str(exc))
    if name.startswith("SQLITE_NOTADB"):
        return DatabaseUnusable(f"database {path} is not an SQLite database ({detail}): {RESTORE}", code="not_a_database")
    if name.startswith("SQLITE_CORRUPT"):
        return DatabaseUnusable(f"database {path} is damaged ({detail}): {RESTORE}", code="damaged")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        check_location(path, create_folder=False)  # names the folder or file when it is the cause
        return DatabaseUnusable(f"database {path} cannot be opened for writing ({detail}): {WRITABLE}", code="read_only")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseUnusable(f"database {path} is locked by another process ({detail}): stop the other program that holds it, "
                                "then start again", code="locked")
    if name.startswith("SQLITE_FULL"):
        return StorageFull(f"database {path}: the disk is full ({detail}): free some space, then start again", code="full")
    if name.startswith("SQLITE_IOERR"):
        return DatabaseUnusable(f"database {path}: {detail} (the disk or its file system failed): check the disk", code="unusable")
    return DatabaseUnusable(f"database {path}: {one_line(doing) if doing else detail}", code="unusable")
