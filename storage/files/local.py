"""Evidence files in a local folder: ``<folder>/ab/abcdef...`` (the first two hex digits of the hash
as a subfolder, so no folder holds more than a few hundred files).

A file is written under ``<folder>/.partial/`` first, flushed to disk, then renamed into place
(atomic on one file system) and the folder entry flushed too: a crash leaves either the whole file
or a partial one that ``sweep_partial`` removes, never a truncated file under a hash.
"""

from __future__ import annotations

import asyncio
import errno
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from storage.files import FileInfo, FileStoreError, StoredFile, check_hash, sha256_of
from storage.sqlite.faults import writable

PARTIAL = ".partial"


def _error(exc: OSError, doing: str) -> FileStoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FileStoreError(f"{doing}: no space left on the disk", code="full")
    if exc.errno == errno.ENOENT:
        return FileStoreError(f"{doing}: no such file", code="missing")
    return FileStoreError(f"{doing}: {exc.strerror or exc}", code="unavailable")


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for flushing; its renames are durable enough
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalFileStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def description(self) -> str:
        return f"folder {self.folder}"

    def path(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.folder / sha256[:2] / sha256

    # --- the interface ------------------------------------------------------------------------

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    def _check(self) -> None:
        hint = "make it a writable folder for the user running spbe-bot, or set SPBE_EVIDENCE_DIR"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileStoreError(f"evidence folder {self.folder} cannot be made ({exc.strerror or exc}): {hint}",
                                 code="unavailable") from exc
        if not writable(self.folder):
            raise FileStoreError(f"evidence folder {self.folder} is read-only: {hint}", code="unavailable")

    async def put(self, data: bytes) -> StoredFile:
        sha256 = sha256_of(data)
        await asyncio.to_thread(self._put, sha256, data)
        return StoredFile(sha256, len(data))

    def _put(self, sha256: str, data: bytes) -> None:
        target = self.path(sha256)
        try:
            if target.exists():
                os.utime(target)  # young again: the sweep's grace period starts anew (see storage.files)
                return
            partial = self.folder / PARTIAL
            partial.mkdir(parents=True, exist_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = partial / f"{sha256}.{uuid.uuid4().hex}"
            try:
                with temporary.open("wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
            _fsync_folder(target.parent)
        except OSError as exc:
            raise _error(exc, f"cannot keep evidence file {sha256[:12]} in {self.folder}") from exc

    async def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise _error(exc, f"cannot read evidence file {sha256[:12]} in {self.folder}") from exc

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path(sha256).is_file)

    async def delete(self, sha256: str) -> None:
        try:
            await asyncio.to_thread(self.path(sha256).unlink, True)
        except OSError as exc:
            raise _error(exc, f"cannot delete evidence file {sha256[:12]} in {self.folder}") from exc

    async def modified(self, sha256: str) -> datetime | None:
        try:
            stat = await asyncio.to_thread(self.path(sha256).stat)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _error(exc, f"cannot read evidence file {sha256[:12]} in {self.folder}") from exc
        return datetime.fromtimestamp(stat.st_mtime, UTC)

    async def files(self) -> AsyncIterator[FileInfo]:
        for info in await asyncio.to_thread(self._scan):
            yield info

    def _scan(self) -> list[FileInfo]:
        found = []
        try:
            folders = [f for f in self.folder.iterdir() if f.is_dir() and len(f.name) == 2] if self.folder.is_dir() else []
            for folder in folders:
                for path in folder.iterdir():
                    if len(path.name) == 64 and path.name.startswith(folder.name):
                        stat = path.stat()
                        found.append(FileInfo(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
        except OSError as exc:
            raise _error(exc, f"cannot list evidence files in {self.folder}") from exc
        return found

    async def sweep_partial(self, older_than: datetime) -> int:
        return await asyncio.to_thread(self._sweep_partial, older_than.timestamp())

    def _sweep_partial(self, before: float) -> int:
        partial = self.folder / PARTIAL
        removed = 0
        try:
            for path in partial.iterdir() if partial.is_dir() else []:
                if path.stat().st_mtime < before:
                    path.unlink(missing_ok=True)
                    removed += 1
        except OSError as exc:
            raise _error(exc, f"cannot clean {partial}") from exc
        return removed
