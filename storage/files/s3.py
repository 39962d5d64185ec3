"""Evidence files in an S3-compatible bucket (AWS S3, MinIO, Ceph...), through aioboto3: for
deployments with several replicas, which then share one store. The key of a file is
``<prefix><ab>/<hash>``. An object appears whole or not at all, so nothing partial is ever left.

Credentials come from where boto always reads them: ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY`` in the environment, ``~/.aws/credentials``, or the machine's role.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from storage.files import FileInfo, FileStoreError, StoredFile, check_hash, sha256_of


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class S3FileStore:
    def __init__(self, client: Any, bucket: str, prefix: str, errors: tuple[type[Exception], ...]) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix
        self._errors = errors

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, bucket: str, prefix: str = "evidence/", *, endpoint_url: str | None = None,
                   region: str | None = None) -> AsyncIterator[S3FileStore]:
        try:
            import aioboto3  # type: ignore[import-untyped]  # imported only where a bucket is configured
            from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
        except ImportError:
            raise FileStoreError("SPBE_EVIDENCE_S3_BUCKET is set, but aioboto3 is not installed: pip install 'spbe-bot[s3]'",
                                 code="unavailable") from None
        session = aioboto3.Session()
        async with session.client("s3", endpoint_url=endpoint_url, region_name=region) as client:
            yield cls(client, bucket, prefix, (BotoCoreError, ClientError))

    @property
    def description(self) -> str:
        return f"bucket s3://{self.bucket}/{self.prefix}"

    def key(self, sha256: str) -> str:
        check_hash(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def _error(self, exc: Exception, doing: str) -> FileStoreError:
        if _missing(exc):
            return FileStoreError(f"{doing}: no such file in {self.description}", code="missing")
        return FileStoreError(f"{doing} in {self.description}: {' '.join(str(exc).split())}", code="unavailable")

    async def check(self) -> None:
        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except self._errors as exc:
            raise FileStoreError(f"evidence bucket s3://{self.bucket} cannot be used ({' '.join(str(exc).split())}): check "
                                 "SPBE_EVIDENCE_S3_BUCKET, SPBE_EVIDENCE_S3_ENDPOINT and the AWS credentials", code="unavailable") from exc

    async def _head(self, sha256: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = await self._client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except self._errors as exc:
            if _missing(exc):
                return None
            raise self._error(exc, f"cannot look up evidence file {sha256[:12]}") from exc
        return head

    async def put(self, data: bytes) -> StoredFile:
        sha256 = sha256_of(data)
        key = self.key(sha256)
        try:
            if await self._head(sha256) is None:
                await self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentLength=len(data))
            else:  # copied onto itself: its modification time is now (see storage.files)
                await self._client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                               MetadataDirective="REPLACE", Metadata={"refreshed": datetime.now(UTC).isoformat()})
        except self._errors as exc:
            raise self._error(exc, f"cannot keep evidence file {sha256[:12]}") from exc
        return StoredFile(sha256, len(data))

    async def get(self, sha256: str) -> bytes:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=self.key(sha256))
            async with response["Body"] as body:
                data: bytes = await body.read()
        except self._errors as exc:
            raise self._error(exc, f"cannot read evidence file {sha256[:12]}") from exc
        return data

    async def exists(self, sha256: str) -> bool:
        return await self._head(sha256) is not None

    async def delete(self, sha256: str) -> None:
        try:
            await self._client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except self._errors as exc:
            raise self._error(exc, f"cannot delete evidence file {sha256[:12]}") from exc

    async def modified(self, sha256: str) -> datetime | None:
        head = await self._head(sha256)
        return None if head is None else head["LastModified"].astimezone(UTC)

    async def files(self) -> AsyncIterator[FileInfo]:
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    name = str(item["Key"]).rsplit("/", 1)[-1]
                    if len(name) == 64:
                        yield FileInfo(name, int(item["Size"]), item["LastModified"].astimezone(UTC))
        except self._errors as exc:
            raise self._error(exc, "cannot list evidence files") from exc

    async def sweep_partial(self, older_than: datetime) -> int:
        return 0  # put_object is atomic: nothing partial to sweep
