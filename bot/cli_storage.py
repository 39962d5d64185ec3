"""CLI commands over the database: ``db status``, ``db upgrade``, ``backup DEST``.

The database is the one ``run`` uses: ``--database``, else ``SPBE_DATABASE_PATH`` from the
environment or ``.env``. A failure is one line on stderr that names the file and says what to do,
and exit code 1 (2 for a malformed setting); the SQL behind every command is in ``storage/``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the storage modules are imported by the commands that use them: `ask` starts faster
    from bot.config import StorageSettings
    from storage.files import FileStoreConfig
    from storage.files.upkeep import CopyReport
    from storage.sqlite.database import BackupReport


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", type=Path, default=None,
        help="SQLite file (default: SPBE_DATABASE_PATH from the environment or .env, else the file `run` uses)",
    )


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database schema: status and upgrade")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    status = db_commands.add_parser("status", help="schema version and pending migrations (the database is checked, not changed)")
    _database_option(status)
    status.set_defaults(handler=cmd_status)
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    _database_option(upgrade)
    upgrade.set_defaults(handler=cmd_upgrade)

    backup = commands.add_parser("backup", help="consistent copy of the database and its evidence files, safe while the bot runs")
    backup.add_argument("destination", type=Path, metavar="DEST")
    backup.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    backup.add_argument("--evidence-to", type=Path, default=None, metavar="FOLDER",
                        help="where the evidence files go (default: DEST-evidence beside DEST; files there already are kept)")
    backup.add_argument("--no-evidence", action="store_true", help="copy the database only")
    _database_option(backup)
    backup.set_defaults(handler=cmd_backup)


def _fail(message: str, code: int = 1) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


def storage_settings(args: argparse.Namespace) -> StorageSettings:
    """The settings ``run`` would use, with ``--database`` in place of SPBE_DATABASE_PATH (they are
    read only then: other commands start faster). Raises ``ConfigError``."""
    from bot.config import StorageSettings, load

    settings = load(StorageSettings)
    return settings if args.database is None else settings.model_copy(update={"database_path": args.database})


def _database(args: argparse.Namespace) -> Path:
    return storage_settings(args).database_path


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run one database command; a storage error becomes one line and exit code 1."""
    import asyncio

    from storage.errors import StorageError

    try:
        return asyncio.run(work)
    except StorageError as exc:
        return _fail(str(exc))


def _command(args: argparse.Namespace, work: Any) -> int:
    from bot.config import ConfigError

    try:
        path = _database(args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    return work(path)


async def _status(path: Path) -> int:
    from storage.sqlite.database import schema_status

    status = await schema_status(path)
    if not status.exists:
        print(f"database: {path} (does not exist yet; it is created on first start)")
        print(f"newest migration: {status.newest}; pending: {', '.join(status.pending)}")
        return 0
    print(f"database: {path} (integrity: ok)")
    print(f"schema version: {status.version}; newest available: {status.newest}")
    for number, name, at in status.applied:
        print(f"  applied {number:04d}_{name} at {at}")
    print(f"pending: {', '.join(status.pending) if status.pending else 'none'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return _command(args, lambda path: _run(_status(path)))


async def _upgrade(path: Path) -> int:
    from storage.sqlite.database import open_database

    db = await open_database(path)
    try:
        status = await db.schema()
    finally:
        await db.close()
    for name in db.migrated:
        print(f"applied {name}")
    print(f"{path}: schema version {status.version}" + ("" if db.migrated else " (already up to date)"))
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    return _command(args, lambda path: _run(_upgrade(path)))


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
