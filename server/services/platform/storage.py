"""Local file storage, behind a tiny interface so an object store can replace it."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiofiles
import aiofiles.os

from server.errors import NotFound


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def new_key(self, purpose: str, suffix: str = "") -> str:
        day = datetime.now().strftime("%Y/%m/%d")
        return f"{purpose}/{day}/{uuid.uuid4().hex}{suffix}"

    def path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise NotFound("文件不存在")
        return self.root / key

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
        except FileNotFoundError:
            raise NotFound("文件不存在") from None

    async def stream(self, key: str, chunk: int = 256 * 1024) -> AsyncIterator[bytes]:
        async with aiofiles.open(self.path(key), "rb") as fh:
            while True:
                data = await fh.read(chunk)
                if not data:
                    return
                yield data

    async def delete(self, key: str) -> None:
        try:
            await aiofiles.os.remove(self.path(key))
        except FileNotFoundError:
            pass
