"""Evidence files, kept by content: a file is named by its SHA-256, so one sent twice is kept once.

:class:`FileStore` is the interface; a local folder (:mod:`storage.files.local`, the default,
beside the database) and an S3-compatible bucket (:mod:`storage.files.s3`, for deployments with
several replicas) implement it. :func:`open_file_store` picks one from a :class:`FileStoreConfig`.

The order that makes a crash harmless: a file is put *before* the register row that names it is
committed. A crash (or a refused upload) between the two leaves a file without a row, never a row
without a file; ``spbe-bot evidence gc`` sweeps such files once they are older than a grace period.
``put`` of a file kept already refreshes its modification time, so a file sent again while the
sweep runs is young again and is not swept under the row about to name it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from storage.errors import StorageError

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FileStoreError(StorageError):
    """The store cannot keep or give a file now. ``code``: ``full`` (no space left), ``missing``
    (no file by that hash), ``unavailable`` (the folder or bucket cannot be used)."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


@dataclass(frozen=True)
class FileInfo:
    """A file in the store, as the sweep sees it."""

    sha256: str
    size: int
    modified: datetime  # aware, UTC


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_hash(sha256: str) -> str:
    """A hash as the stores name files by (64 lowercase hex digits); anything else is refused, so a
    name can never reach outside the store's folder or prefix."""
    if not SHA256.match(sha256):
        raise FileStoreError(f"not a SHA-256: {sha256!r}", code="missing")
    return sha256


class FileStore(Protocol):
    @property
    def description(self) -> str:
        """Where the files are, in one phrase for the operator ("folder /data/evidence")."""
        ...

    async def check(self) -> None:
        """Raise :class:`FileStoreError`, in one line that says what to do, when files cannot be kept
        there (a folder that cannot be made or written, a bucket that cannot be reached)."""
        ...

    async def put(self, data: bytes) -> StoredFile:
        """Keep ``data`` under its hash (once: a file kept already is only refreshed)."""
        ...

    async def get(self, sha256: str) -> bytes: ...
    async def exists(self, sha256: str) -> bool: ...
    async def delete(self, sha256: str) -> None: ...
    async def modified(self, sha256: str) -> datetime | None:
        """When the file was last put (None: it is not there)."""
        ...

    def files(self) -> AsyncIterator[FileInfo]:
        """Every file kept, in no particular order."""
        ...

    async def sweep_partial(self, older_than: datetime) -> int:
        """Remove what an interrupted ``put`` left behind (temporary files); how many."""
        ...


async def read_or_none(store: FileStore, sha256: str) -> bytes | None:
    """The file kept under ``sha256``, or None when the store does not have it (any other failure
    raises): the ``read_file`` of ``reports.evidence_zip.build_evidence_zip``."""
    try:
        return await store.get(sha256)
    except FileStoreError as exc:
        if exc.code == "missing":
            return None
        raise


@dataclass(frozen=True)
class FileStoreConfig:
    """Where evidence files go: ``folder``, or the S3 ``bucket`` when one is named."""

    folder: Path
    bucket: str | None = None
    prefix: str = "evidence/"
    endpoint_url: str | None = None
    region: str | None = None


@contextlib.asynccontextmanager
async def open_file_store(config: FileStoreConfig) -> AsyncIterator[FileStore]:
    """The store ``config`` names, open for the block (an S3 client is closed after it)."""
    if config.bucket:
        from storage.files.s3 import S3FileStore

        async with S3FileStore.open(config.bucket, config.prefix, endpoint_url=config.endpoint_url, region=config.region) as bucket:
            yield bucket
    else:
        from storage.files.local import LocalFileStore

        yield LocalFileStore(config.folder)
