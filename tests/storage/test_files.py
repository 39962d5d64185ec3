"""The evidence file stores: a local folder and an S3 bucket (moto's server on 127.0.0.1), one
contract: kept by hash, once; refreshed when put again; listed for the sweep; nothing partial."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.files import FileStore, FileStoreConfig, FileStoreError, open_file_store, read_or_none, sha256_of
from storage.files.local import PARTIAL, LocalFileStore
from tests.s3 import S3Endpoint


@pytest.fixture(params=["folder", "bucket"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FileStore]:
    if request.param == "folder":
        config = FileStoreConfig(folder=tmp_path / "evidence")
    else:
        s3: S3Endpoint = request.getfixturevalue("s3")
        config = FileStoreConfig(folder=tmp_path / "unused", bucket=s3.bucket, prefix="spbe/evidence/", endpoint_url=s3.url)
    async with open_file_store(config) as opened:
        yield opened


async def test_a_file_is_kept_once_under_its_hash_and_read_back(store: FileStore) -> None:
    data = b"%PDF-1.7 Perbup No. 12 Tahun 2023" * 100
    first = await store.put(data)
    again = await store.put(data)
    other = await store.put(b"notulen rapat reviu")
    assert first == again and first.sha256 == sha256_of(data) and first.size == len(data)
    assert await store.get(first.sha256) == data and await store.get(other.sha256) == b"notulen rapat reviu"
    assert await store.exists(first.sha256) and not await store.exists(sha256_of(b"never sent"))
    assert sorted((f.sha256, f.size) for f in [x async for x in store.files()]) == sorted(
        [(first.sha256, len(data)), (other.sha256, len(b"notulen rapat reviu"))])
    await store.delete(other.sha256)
    assert [f.sha256 async for f in store.files()] == [first.sha256]
    with pytest.raises(FileStoreError) as missing:
        await store.get(other.sha256)
    assert missing.value.code == "missing"
    assert await read_or_none(store, other.sha256) is None and await read_or_none(store, first.sha256) == data


async def test_putting_a_kept_file_again_makes_it_young_again(store: FileStore, tmp_path: Path) -> None:
    """So a file sent again while the sweep runs is never swept under the row about to name it."""
    stored = await store.put(b"laporan reviu arsitektur")
    if isinstance(store, LocalFileStore):
        old = (datetime.now(UTC) - timedelta(days=3)).timestamp()
        os.utime(store.path(stored.sha256), (old, old))
        assert (await store.modified(stored.sha256) or datetime.now(UTC)) < datetime.now(UTC) - timedelta(days=2)
    before = await store.modified(stored.sha256)
    await store.put(b"laporan reviu arsitektur")
    after = await store.modified(stored.sha256)
    assert before is not None and after is not None and after >= before
    assert after > datetime.now(UTC) - timedelta(minutes=5)
    assert await store.modified(sha256_of(b"nothing")) is None


async def test_a_name_that_is_not_a_hash_never_reaches_the_store(store: FileStore) -> None:
    for name in ("../../etc/passwd", "ab", "A" * 64):
        with pytest.raises(FileStoreError):
            await store.get(name)


async def test_an_interrupted_write_leaves_only_a_partial_file_that_is_swept(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "evidence")
    kept = await store.put(b"kept")
    partial = tmp_path / "evidence" / PARTIAL / "abc.123"
    partial.write_bytes(b"half of a fi")
    assert [f.sha256 async for f in store.files()] == [kept.sha256]  # a partial file is never listed as kept
    assert await store.sweep_partial(datetime.now(UTC) - timedelta(hours=1)) == 0  # young: a write may be under way
    assert await store.sweep_partial(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert not partial.exists() and await store.get(kept.sha256) == b"kept"


async def test_a_full_disk_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalFileStore(tmp_path / "evidence")

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(FileStoreError) as full:
        await store.put(b"too much")
    assert full.value.code == "full" and "no space left" in str(full.value)
    assert [f async for f in store.files()] == [] and not list((tmp_path / "evidence" / PARTIAL).iterdir())


async def test_an_unreachable_bucket_is_a_clear_error(tmp_path: Path, s3: S3Endpoint) -> None:
    config = FileStoreConfig(folder=tmp_path, bucket="no-such-bucket", endpoint_url=s3.url)
    async with open_file_store(config) as store:
        with pytest.raises(FileStoreError) as refused:
            await store.put(b"x")
    assert refused.value.code == "unavailable" and "s3://no-such-bucket/evidence/" in str(refused.value)
