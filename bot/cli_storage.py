"""CLI commands over the database: ``db status``, ``db upgrade``, ``backup DEST``."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

DEFAULT_DATABASE = "data/spbe.sqlite3"
TABLES = ("institutions", "members", "periods", "answers", "answer_history", "evidence", "group_links")


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", type=Path, default=Path(os.environ.get("SPBE_DATABASE_PATH", DEFAULT_DATABASE)),
        help=f"SQLite file (default: $SPBE_DATABASE_PATH or {DEFAULT_DATABASE})",
    )


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database schema: status and upgrade")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    status = db_commands.add_parser("status", help="schema version and pending migrations")
    _database_option(status)
    status.set_defaults(handler=cmd_status)
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    _database_option(upgrade)
    upgrade.set_defaults(handler=cmd_upgrade)

    backup = commands.add_parser("backup", help="consistent copy of the database, safe while the bot runs")
    backup.add_argument("destination", type=Path, metavar="DEST")
    backup.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    _database_option(backup)
    backup.set_defaults(handler=cmd_backup)


def _fail(message: str, code: int = 1) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


async def _status(path: Path) -> int:
    from storage.sqlite import migrations
    from storage.sqlite.database import connect

    available = migrations.available()
    if not path.exists():
        print(f"database: {path} (does not exist yet; it is created on first start)")
        print(f"newest migration: {available[-1].version}; pending: {', '.join(m.path.name for m in available)}")
        return 0
    conn = await connect(path)
    try:
        version = await migrations.current_version(conn)
        done = await migrations.applied(conn)
    finally:
        await conn.close()
    newest = available[-1].version
    print(f"database: {path}")
    print(f"schema version: {version}; newest available: {newest}")
    for number, name, at in done:
        print(f"  applied {number:04d}_{name} at {at}")
    pending = [m.path.name for m in available if m.version > version]
    print(f"pending: {', '.join(pending) if pending else 'none'}")
    if version > newest:
        print(f"this database is newer than this program ({version} > {newest}): upgrade spbe-bot")
        return 1
    return 0


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run one database command; a storage error becomes one line and exit code 1."""
    import asyncio

    from storage.errors import StorageError  # the storage layer loads only for database commands

    try:
        return asyncio.run(work)
    except StorageError as exc:
        return _fail(str(exc))


def cmd_status(args: argparse.Namespace) -> int:
    return _run(_status(args.database))


async def _upgrade(path: Path) -> int:
    from storage.sqlite import migrations
    from storage.sqlite.database import connect

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await connect(path)
    try:
        done = await migrations.upgrade(conn)
        version = await migrations.current_version(conn)
    finally:
        await conn.close()
    for migration in done:
        print(f"applied {migration.path.name}")
    print(f"{path}: schema version {version}" + ("" if done else " (already up to date)"))
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    return _run(_upgrade(args.database))


async def _backup(source: Path, destination: Path) -> int:
    from storage.sqlite.database import open_database

    db = await open_database(source, upgrade=False)
    try:
        await db.backup(destination)
    finally:
        await db.close()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    if not args.database.exists():
        return _fail(f"no database at {args.database}")
    if args.destination.exists():
        if not args.force:
            return _fail(f"{args.destination} exists; use --force to overwrite it")
        args.destination.unlink()
    failed = _run(_backup(args.database, args.destination))
    if failed:
        return failed
    with sqlite3.connect(args.destination) as copy:
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        counts = {table: copy.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    print(f"backup written to {args.destination} (integrity: {check})")
    print(", ".join(f"{table} {count}" for table, count in counts.items()))
    return 0
