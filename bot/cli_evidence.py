"""CLI commands over the evidence files: ``evidence check``, ``evidence gc`` and ``evidence fetch``.

The files are where ``run`` keeps them (``SPBE_EVIDENCE_DIR``, or the S3 bucket); the database is
``--database``, else ``SPBE_DATABASE_URL`` or ``SPBE_DATABASE_PATH``. All are safe while the bot runs. ``fetch`` downloads,
through the bot's token, the files of items sent before the bot kept files (only their Telegram
file id was stored; a file id stays valid for the bot that received it).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli_storage import database_option, storage_settings

if TYPE_CHECKING:
    from bot.config import Settings, StorageSettings

DEFAULT_GRACE_HOURS = 24.0


def register(commands: Any) -> None:
    evidence = commands.add_parser("evidence", help="evidence files: check that each is there, sweep those no register row names")
    actions = evidence.add_subparsers(dest="evidence_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="every register item's file is in the store (exit 1 if one is missing)")
    gc = actions.add_parser("gc", help="delete files no register item names (a crash between download and commit leaves such files)")
    gc.add_argument("--grace-hours", type=float, default=DEFAULT_GRACE_HOURS,
                    help=f"keep files put less than this long ago: a row may be about to name them (default {DEFAULT_GRACE_HOURS:g})")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    fetch = actions.add_parser("fetch", help="download the files of items sent before the bot kept files (needs SPBE_BOT_TOKEN)")
    for parser in (check, gc, fetch):
        database_option(parser)
    check.set_defaults(handler=cmd_check)
    gc.set_defaults(handler=cmd_gc)
    fetch.set_defaults(handler=cmd_fetch)


def _fail(message: str, code: int = 1) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace, work: Any) -> int:
    import asyncio

    from bot.config import ConfigError
    from storage.errors import StorageError

    try:
        settings = storage_settings(args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    if settings.database_url is None and not settings.database_path.exists():
        return _fail(f"no database at {settings.database_path}")
    try:
        return int(asyncio.run(work(settings)))
    except StorageError as exc:
        return _fail(str(exc))


async def _named(settings: StorageSettings) -> tuple[set[str], int]:
    """The hashes the register names, and how many items have no stored file (sent before files were kept)."""
    from storage import open_storage

    db = await open_storage(settings.database, upgrade=False, pool_size=1)
    try:
        return await db.read.evidence.stored_files(), len(await db.read.evidence.without_file())
    finally:
        await db.close()


async def _check(settings: StorageSettings) -> int:
    from storage.files import open_file_store

    named, legacy = await _named(settings)
    async with open_file_store(settings.file_store()) as store:
        await store.check()
        missing = [sha for sha in sorted(named) if not await store.exists(sha)]
        where = store.description
    print(f"evidence files in {where}: {len(named) - len(missing)} of {len(named)} named by the register are there")
    if legacy:
        print(f"{legacy} item(s) were sent before files were kept: sending the same file again keeps it")
    if missing:
        return _fail(f"{len(missing)} file(s) named by the register are missing from {where} ({', '.join(h[:12] for h in missing[:5])}): "
                     "restore them from a backup (spbe-bot backup copies them), or ask the senders to send them again")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    return _run(args, _check)


def cmd_gc(args: argparse.Namespace) -> int:
    if args.grace_hours < 0:
        return _fail("--grace-hours cannot be negative", 2)

    async def gc(settings: StorageSettings) -> int:
        from storage.files import open_file_store
        from storage.files.upkeep import sweep

        named, _ = await _named(settings)  # read before the files are listed: see storage.files.upkeep
        async with open_file_store(settings.file_store()) as store:
            report = await sweep(store, named, datetime.now(UTC) - timedelta(hours=args.grace_hours), dry_run=args.dry_run)
            where = store.description
        verb = "would delete" if args.dry_run else "deleted"
        print(f"evidence files in {where}: {report.named} named by the register, kept")
        print(f"{verb} {len(report.swept)} file(s) no register item names ({sum(f.size for f in report.swept)} bytes)"
              + (f", and {report.partial} partial file(s) of interrupted writes" if report.partial else ""))
        if report.young:
            print(f"kept {len(report.young)} file(s) named by no item yet but put within the last {args.grace_hours:g} hours")
        return 0

    return _run(args, gc)


def cmd_fetch(args: argparse.Namespace) -> int:
    import asyncio

    from bot.config import ConfigError, load_settings
    from storage.errors import StorageError

    try:
        database = storage_settings(args)
        settings = load_settings().model_copy(update={"database_path": database.database_path, "database_url": database.database_url})
    except ConfigError as exc:
        return _fail(str(exc), 2)
    if not settings.token:
        return _fail("evidence fetch downloads through the bot: set SPBE_BOT_TOKEN (the token of the bot the files were sent to)", 2)
    if settings.database_url is None and not settings.database_path.exists():
        return _fail(f"no database at {settings.database_path}")
    try:
        return asyncio.run(_fetch(settings))
    except StorageError as exc:
        return _fail(str(exc))


async def _fetch(settings: Settings) -> int:
    from telegram import Bot

    from bot.files import TelegramFiles
    from conversations.evidence import MAX_FILE_BYTES, DownloadError
    from storage import open_storage
    from storage.errors import Conflict
    from storage.files import open_file_store

    assert settings.token
    url = settings.bot_api_url
    fetched: list[str] = []
    skipped: list[str] = []
    db = await open_storage(settings.database, pool_size=1)
    try:
        async with open_file_store(settings.file_store()) as store, Bot(settings.token, base_url=url,
                                                                        base_file_url=url.replace("/bot", "/file/bot")) as bot:
            await store.check()
            source = TelegramFiles(bot)
            for item in await db.read.evidence.without_file():
                if item.size is not None and item.size > MAX_FILE_BYTES:
                    skipped.append(f"{item.label} (over 20 MB)")
                    continue
                try:
                    stored = await store.put(await source.download(item.file_id))
                except DownloadError as exc:
                    skipped.append(f"{item.label} ({'over 20 MB' if exc.code == 'too_big' else exc})")
                    continue
                try:
                    async with db.transaction() as tx:
                        await tx.evidence.attach_file(item.id, stored.sha256, stored.size)
                except Conflict as exc:
                    skipped.append(f"{item.label} ({exc})")
                    continue
                fetched.append(item.label)
    finally:
        await db.close()
    print(f"fetched {len(fetched)} file(s) of items sent before the bot kept files" + (f": {', '.join(fetched)}" if fetched else ""))
    if skipped:
        print(f"not fetched: {'; '.join(skipped)}")
    return 0
