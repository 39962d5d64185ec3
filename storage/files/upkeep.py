"""Keeping the evidence store tidy and backed up: the sweep of files no row names, and copying the
files a database (or its backup) names into a folder.

**The sweep is safe while the bot runs**, given the order of ``storage.files``: a file is put (or
refreshed) before the row that names it is committed, within seconds. The caller reads the hashes
the rows name *before* this lists the files; a file put since is young, so the grace period keeps
it, and a file's age is read again just before it is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage.files import FileInfo, FileStore, FileStoreError, sha256_of
from storage.files.local import LocalFileStore


@dataclass(frozen=True)
class SweepReport:
    named: int  # files some row names: kept
    young: list[FileInfo] = field(default_factory=list)  # named by no row yet, within the grace period: kept
    swept: list[FileInfo] = field(default_factory=list)  # named by no row and older: deleted (or would be, in a dry run)
    partial: int = 0  # leftovers of interrupted writes removed


async def sweep(store: FileStore, named: set[str], older_than: datetime, *, dry_run: bool = False) -> SweepReport:
    """Delete the files no row names that were last put before ``older_than``."""
    kept = 0
    young: list[FileInfo] = []
    swept: list[FileInfo] = []
    async for info in store.files():
        if info.sha256 in named:
            kept += 1
            continue
        if info.modified >= older_than:
            young.append(info)
            continue
        if not dry_run:
            modified = await store.modified(info.sha256)  # put again since it was listed: young again
            if modified is not None and modified >= older_than:
                young.append(info)
                continue
            await store.delete(info.sha256)
        swept.append(info)
    partial = 0 if dry_run else await store.sweep_partial(older_than)
    return SweepReport(kept, young, swept, partial)


@dataclass(frozen=True)
class CopyReport:
    copied: int = 0
    present: int = 0  # in the folder already (a file's name is its content)
    size: int = 0  # bytes copied
    missing: list[str] = field(default_factory=list)  # named by a row, not in the store
    damaged: list[str] = field(default_factory=list)  # in the store, but its content no longer has its hash


async def copy_files(source: FileStore, target: LocalFileStore, hashes: Iterable[str]) -> CopyReport:
    """Copy the files ``hashes`` name from ``source`` into the folder ``target``, checking each
    against its hash; files already there are not copied again (so a backup folder grows by the new
    files only)."""
    copied = present = size = 0
    missing: list[str] = []
    damaged: list[str] = []
    for sha256 in sorted(set(hashes)):
        if await target.exists(sha256):
            present += 1
            continue
        try:
            data = await source.get(sha256)
        except FileStoreError as exc:
            if exc.code != "missing":
                raise
            missing.append(sha256)
            continue
        if sha256_of(data) != sha256:
            damaged.append(sha256)
            continue
        await target.put(data)
        copied += 1
        size += len(data)
    return CopyReport(copied, present, size, missing, damaged)
