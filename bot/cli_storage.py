"""CLI commands over the database: ``db status``, ``db upgrade``, ``db copy``, ``backup DEST``.

The database is the one ``run`` uses: ``--database`` (an SQLite file or a ``postgresql://`` URL),
else ``SPBE_DATABASE_URL`` or ``SPBE_DATABASE_PATH`` from the environment or ``.env``. A failure is
one line on stderr that names the database (never a password) and says what to do, and exit code 1
(2 for a malformed setting); the SQL behind every command is in ``storage/``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the storage modules are imported by the commands that use them: `ask` starts faster
    from bot.config import StorageSettings
    from storage.backends import Location
    from storage.files import FileStoreConfig
    from storage.files.upkeep import CopyReport
    from storage.sqlite.database import BackupReport


def _location(value: str) -> str | Path:
    return value if value.startswith(("postgresql://", "postgres://")) else Path(value)


def database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", type=_location, default=None, metavar="PATH_OR_URL",
        help="SQLite file or postgresql:// URL (default: SPBE_DATABASE_URL, else SPBE_DATABASE_PATH, from the environment or .env)",
    )


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database schema: status and upgrade; copy an SQLite file to PostgreSQL")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    status = db_commands.add_parser("status", help="schema version and pending migrations (the database is checked, not changed)")
    database_option(status)
    status.set_defaults(handler=cmd_status)
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    database_option(upgrade)
    upgrade.set_defaults(handler=cmd_upgrade)
    copy = db_commands.add_parser("copy", help="copy every record of an SQLite file into an empty PostgreSQL database")
    copy.add_argument("--from", dest="source", type=Path, default=None, metavar="PATH",
                      help="the SQLite file (default: SPBE_DATABASE_PATH)")
    copy.add_argument("--to", dest="target", default=None, metavar="URL", help="the PostgreSQL database (default: SPBE_DATABASE_URL)")
    copy.set_defaults(handler=cmd_copy)

    backup = commands.add_parser("backup", help="consistent copy of the SQLite database and its evidence files, safe while the bot "
                                                 "runs (PostgreSQL: pg_dump)")
    backup.add_argument("destination", type=Path, metavar="DEST")
    backup.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    backup.add_argument("--evidence-to", type=Path, default=None, metavar="FOLDER",
                        help="where the evidence files go (default: DEST-evidence beside DEST; files there already are kept)")
    backup.add_argument("--no-evidence", action="store_true", help="copy the database only")
    database_option(backup)
    backup.set_defaults(handler=cmd_backup)


def _fail(message: str, code: int = 1) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


def storage_settings(args: argparse.Namespace) -> StorageSettings:
    """The settings ``run`` would use, with ``--database`` (a file or a URL) in place of
    SPBE_DATABASE_PATH and SPBE_DATABASE_URL (they are read only then: other commands start faster).
    Raises ``ConfigError``."""
    from bot.config import StorageSettings, load

    settings = load(StorageSettings)
    location = getattr(args, "database", None)
    if location is None:
        return settings
    if isinstance(location, str):  # a postgresql:// URL
        from pydantic import SecretStr

        return settings.model_copy(update={"database_url": SecretStr(location)})
    return settings.model_copy(update={"database_path": location, "database_url": None})


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run one database command; a storage error becomes one line and exit code 1."""
    import asyncio

    from storage.errors import StorageError

    try:
        return asyncio.run(work)
    except StorageError as exc:
        return _fail(str(exc))


def _command(args: argparse.Namespace, work: Callable[[Location], int]) -> int:
    """``work`` on ``--database``, or on the database ``run`` would use."""
    from bot.config import ConfigError

    try:
        location = storage_settings(args).database
    except ConfigError as exc:
        return _fail(str(exc), 2)
    return work(location)


async def _status(location: Location) -> int:
    from storage.backends import describe, is_postgres, schema_status

    status = await schema_status(location)
    if not status.exists:
        print(f"database: {location} (does not exist yet; it is created on first start)")
        print(f"newest migration: {status.newest}; pending: {', '.join(status.pending)}")
        return 0
    print(f"database: {describe(location)} ({'PostgreSQL, reachable' if is_postgres(location) else 'integrity: ok'})")
    print(f"schema version: {status.version}; newest available: {status.newest}")
    for number, name, at in status.applied:
        print(f"  applied {number:04d}_{name} at {at}")
    print(f"pending: {', '.join(status.pending) if status.pending else 'none'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return _command(args, lambda location: _run(_status(location)))


async def _upgrade(location: Location) -> int:
    from storage.backends import describe, open_storage

    db = await open_storage(location, pool_size=1)
    try:
        status = await db.schema()
    finally:
        await db.close()
    for name in db.migrated:
        print(f"applied {name}")
    print(f"{describe(location)}: schema version {status.version}" + ("" if db.migrated else " (already up to date)"))
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    return _command(args, lambda location: _run(_upgrade(location)))


async def _copy(source: Path, target: str) -> int:
    from storage.backends import describe
    from storage.copy import copy_sqlite_to_postgres

    report = await copy_sqlite_to_postgres(source, target)
    print(f"copied {report.total} records from {source} to {describe(target)}; the counts match on both sides")
    print(", ".join(f"{table} {count}" for table, count in report.counts.items()))
    print("next: set SPBE_DATABASE_URL for every replica, and keep the SQLite file as the backup of the move")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from bot.config import ConfigError

    try:
        settings = storage_settings(args) if args.source is None or args.target is None else None
    except ConfigError as exc:
        return _fail(str(exc), 2)
    source: Path = args.source or (settings.database_path if settings else Path())
    target: str | None = args.target or (settings.database_url.get_secret_value() if settings and settings.database_url else None)
    if not target:
        return _fail("db copy: name the PostgreSQL database with --to postgresql://… or SPBE_DATABASE_URL", 2)
    if not target.startswith(("postgresql://", "postgres://")):
        return _fail(f"db copy: --to must be a postgresql:// URL, not {target!r}", 2)
    return _run(_copy(source, target))


async def _backup(source: Path, destination: Path) -> BackupReport:
    from storage.sqlite.database import check_backup, open_database

    db = await open_database(source, upgrade=False)
    try:
        await db.backup(destination)
    finally:
        await db.close()
    return await check_backup(destination)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.config import ConfigError

    try:
        settings = storage_settings(args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    if settings.database_url is not None:
        from storage.backends import describe

        return _fail(f"backup: {describe(settings.database)} is a PostgreSQL database: back it up with pg_dump "
                     "(pg_dump --format=custom --file=FILE \"$SPBE_DATABASE_URL\"; restoring: docs/deploy.md)")
    evidence = None if args.no_evidence else args.evidence_to or args.destination.with_name(f"{args.destination.stem}-evidence")
    return _backup_to(settings.database_path, args.destination, force=args.force, evidence=evidence, store=settings.file_store())


async def _copy_evidence(store: FileStoreConfig, files: set[str], folder: Path) -> CopyReport:
    from storage.files import open_file_store
    from storage.files.local import LocalFileStore
    from storage.files.upkeep import copy_files

    target = LocalFileStore(folder)
    await target.check()
    async with open_file_store(store) as source:
        return await copy_files(source, target, files)


def _backup_to(source: Path, destination: Path, *, force: bool, evidence: Path | None = None, store: FileStoreConfig | None = None) -> int:
    from storage.errors import StorageError

    try:
        from storage.sqlite.faults import check_location

        check_location(source, create_folder=False)  # a folder that is a file says so, rather than "no database"
    except StorageError as exc:
        return _fail(str(exc))
    if not source.exists():
        return _fail(f"no database at {source}")
    if destination.exists():
        if not force:
            return _fail(f"{destination} exists; use --force to overwrite it")
        try:
            destination.unlink()
        except OSError as exc:
            return _fail(f"cannot replace {destination} ({exc.strerror or exc})")
    import asyncio

    try:
        report = asyncio.run(_backup(source, destination))
    except StorageError as exc:
        return _fail(str(exc))
    if report.integrity != "ok":
        return _fail(f"backup {destination} fails its integrity check ({report.integrity}): do not rely on it; try again")
    print(f"backup written to {destination} (integrity: {report.integrity})")
    print(", ".join(f"{table} {count}" for table, count in report.counts.items()))
    if evidence is None or store is None:
        return 0
    try:
        copied = asyncio.run(_copy_evidence(store, report.files, evidence))
    except StorageError as exc:
        return _fail(f"evidence files not backed up: {exc}")
    print(f"evidence files in {evidence}: {copied.copied} copied ({copied.size} bytes), {copied.present} there already")
    if copied.missing or copied.damaged:
        return _fail(f"{len(copied.missing)} evidence file(s) the database names are missing from the store and {len(copied.damaged)} "
                     f"no longer match their hash ({', '.join(h[:12] for h in (copied.missing + copied.damaged)[:5])}): "
                     "restore them from an earlier backup, or ask the senders to send them again")
    return 0
