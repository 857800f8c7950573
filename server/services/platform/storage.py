"""File storage behind one small interface (`Storage`), with two backends chosen by
STORAGE_BACKEND (server/config.py):

- `LocalStorage` (local): files under STORAGE_DIR, the embedded default; one machine only.
- `S3Storage` (s3): objects in an S3-compatible bucket (Alibaba OSS, Tencent COS, MinIO, AWS), so
  any number of API servers and task workers share the same files.

Every uploaded or generated file (photos, proofs, face snapshots, exports, certificates, import
reports) is written with `save` and read back with `read` or `stream` by its key; nothing outside
this module knows where the bytes live. Keys are made by `new_key` ("<purpose>/YYYY/MM/DD/<uuid><suffix>");
a key with a ".." part or a leading "/" is refused by both backends (NotFound, as for a missing file).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import aiofiles
import aiofiles.os

from server.errors import NotFound

if TYPE_CHECKING:
    from server.config import Settings

CHUNK = 256 * 1024


@runtime_checkable
class Storage(Protocol):
    """What services may do with stored files."""

    def new_key(self, purpose: str, suffix: str = "") -> str: ...

    async def save(self, key: str, data: bytes) -> str:
        """Store `data` under `key` (replacing any earlier object); return its sha256 (hex)."""
        ...

    async def read(self, key: str) -> bytes:
        """The whole file; NotFound if there is none."""
        ...

    def stream(self, key: str, chunk: int = CHUNK) -> AsyncIterator[bytes]:
        """The file in chunks; NotFound (raised on the first iteration) if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def close(self) -> None: ...


def new_key(purpose: str, suffix: str = "") -> str:
    day = datetime.now().strftime("%Y/%m/%d")
    return f"{purpose}/{day}/{uuid.uuid4().hex}{suffix}"


def check_key(key: str) -> str:
    """A relative key without "." / ".." parts or empty segments; anything else is refused."""
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise NotFound("文件不存在")
    return key


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def new_key(self, purpose: str, suffix: str = "") -> str:
        return new_key(purpose, suffix)

    def path(self, key: str) -> Path:
        """The file's place on this machine's disk (LocalStorage only: services use the Storage methods)."""
        return self.root / check_key(key)

    async def save(self, key: str, data: bytes) -> str:
        """Write atomically (temp file + rename); return the sha256."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        async with aiofiles.open(tmp, "wb") as fh:
            await fh.write(data)
        os.replace(tmp, target)
        return hashlib.sha256(data).hexdigest()

    async def read(self, key: str) -> bytes:
        try:
            async with aiofiles.open(self.path(key), "rb") as fh:
                return await fh.read()
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound("文件不存在") from None

    async def stream(self, key: str, chunk: int = CHUNK) -> AsyncIterator[bytes]:
        try:
            fh = await aiofiles.open(self.path(key), "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound("文件不存在") from None
        try:
            while data := await fh.read(chunk):
                yield data
        finally:
            await fh.close()

    async def delete(self, key: str) -> None:
        try:
            await aiofiles.os.remove(self.path(key))
        except FileNotFoundError:
            pass

    async def exists(self, key: str) -> bool:
        return await aiofiles.os.path.isfile(self.path(key))

    async def close(self) -> None:
        return None


class S3Storage:
    """An S3-compatible bucket through aiobotocore (async, the botocore that boto3 uses).

    Objects are kept under `prefix` ("" or e.g. "dkt/"), so one bucket can hold several
    deployments. The client is made on first use in the running event loop (each Sanic worker
    and task worker has its own) and closed by `close()`.
    """

    def __init__(self, *, bucket: str, endpoint_url: str = "", region: str = "", access_key_id: str = "",
                 secret_access_key: str = "", prefix: str = "", addressing_style: str = "auto"):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client_args: dict[str, Any] = {
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
        }
        self._addressing_style = addressing_style
        self._client: Any = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    def new_key(self, purpose: str, suffix: str = "") -> str:
        return new_key(purpose, suffix)

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def _s3(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                from aiobotocore.config import AioConfig
                from aiobotocore.session import get_session

                config = AioConfig(
                    s3={"addressing_style": self._addressing_style},
                    signature_version="s3v4",
                    # newer botocore adds CRC checksums to every upload by default, which several
                    # S3-compatible stores (OSS, COS, older MinIO) reject: only when an API requires one
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    retries={"max_attempts": 3, "mode": "standard"},
                    # botocore's default of 10 would queue the face snapshots of an exam-start storm
                    max_pool_connections=64,
                    connect_timeout=5,
                    read_timeout=30,
                )
                stack = contextlib.AsyncExitStack()
                self._client = await stack.enter_async_context(
                    get_session().create_client("s3", config=config, **self._client_args))
                self._stack = stack
        return self._client

    @staticmethod
    def _missing(exc: Exception) -> bool:
        response = getattr(exc, "response", None) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in {"NoSuchKey", "404", "NotFound"} or status == 404

    async def save(self, key: str, data: bytes) -> str:
        name = self.object_key(key)
        sha = hashlib.sha256(data).hexdigest()
        s3 = await self._s3()
        await s3.put_object(Bucket=self.bucket, Key=name, Body=data, ContentLength=len(data),
                            Metadata={"sha256": sha})
        return sha

    async def _get(self, key: str) -> Any:
        name = self.object_key(key)
        s3 = await self._s3()
        try:
            return await s3.get_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if self._missing(exc):
                raise NotFound("文件不存在") from None
            raise

    async def read(self, key: str) -> bytes:
        response = await self._get(key)
        async with response["Body"] as body:
            return await body.read()

    async def stream(self, key: str, chunk: int = CHUNK) -> AsyncIterator[bytes]:
        response = await self._get(key)
        async with response["Body"] as body:
            while data := await body.read(chunk):
                yield data

    async def delete(self, key: str) -> None:
        name = self.object_key(key)
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=name)  # S3 answers 204 for a missing key too

    async def exists(self, key: str) -> bool:
        name = self.object_key(key)
        s3 = await self._s3()
        try:
            await s3.head_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if self._missing(exc):
                return False
            raise
        return True

    async def presigned_url(self, key: str, *, expires: int = 300, filename: str = "") -> str:
        """A time-limited GET link to the object (for handing a large download to the store)."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if filename:
            from urllib.parse import quote

            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        s3 = await self._s3()
        return await s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()


def make_storage(settings: Settings) -> Storage:
    """The backend STORAGE_BACKEND names (settings are checked at start-up)."""
    if settings.STORAGE_BACKEND == "s3":
        return S3Storage(
            bucket=settings.S3_BUCKET,
            endpoint_url=settings.S3_ENDPOINT_URL,
            region=settings.S3_REGION,
            access_key_id=settings.S3_ACCESS_KEY_ID,
            secret_access_key=settings.S3_SECRET_ACCESS_KEY,
            prefix=settings.S3_PREFIX,
            addressing_style=settings.S3_ADDRESSING_STYLE,
        )
    return LocalStorage(settings.storage_path())
