"""The storage contract (server/services/platform/storage.py), run against both backends: the local
disk and an S3-compatible server (moto in server mode, real HTTP; tests/fakes/s3_server.py)."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import httpx
import pytest

from server.config import ConfigError, Settings
from server.errors import NotFound
from server.services.platform.storage import LocalStorage, S3Storage, Storage, make_storage
from tests.fakes.s3_server import S3Server


@pytest.fixture(params=["local", "s3"])
async def storage(request, tmp_path: Path, s3_server: S3Server):
    if request.param == "local":
        yield LocalStorage(tmp_path / "files")
        return
    s3 = s3_server.storage(prefix=f"t-{uuid.uuid4().hex[:10]}/")
    try:
        yield s3
    finally:
        await s3.close()


async def collect(storage: Storage, key: str, chunk: int = 256 * 1024) -> bytes:
    return b"".join([part async for part in storage.stream(key, chunk)])


async def test_both_backends_are_storages(storage):
    assert isinstance(storage, Storage)


async def test_save_read_stream_delete(storage):
    key = storage.new_key("proof", ".pdf")
    assert key.startswith("proof/") and key.endswith(".pdf") and len(key.split("/")) == 5
    data = os.urandom(700 * 1024)  # more than two stream chunks
    assert await storage.save(key, data) == hashlib.sha256(data).hexdigest()
    assert await storage.exists(key)
    assert await storage.read(key) == data
    assert await collect(storage, key, 256 * 1024) == data
    assert [len(p) async for p in storage.stream(key, 300 * 1024)][0] <= 300 * 1024
    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)  # deleting a missing file is not an error


async def test_save_replaces_and_keys_are_unique(storage):
    key = storage.new_key("export", ".xlsx")
    await storage.save(key, b"first")
    await storage.save(key, b"second")
    assert await storage.read(key) == b"second"
    assert storage.new_key("export") != storage.new_key("export")


async def test_an_empty_file_round_trips(storage):
    key = storage.new_key("x")
    await storage.save(key, b"")
    assert await storage.read(key) == b"" and await storage.exists(key)


async def test_missing_files_answer_not_found(storage):
    key = storage.new_key("photo", ".jpg")
    assert not await storage.exists(key)
    with pytest.raises(NotFound):
        await storage.read(key)
    with pytest.raises(NotFound):
        await collect(storage, key)


@pytest.mark.parametrize("key", ["../secret", "a/../../etc/passwd", "/etc/passwd", "a/./b", "a//b", "", "a\\..\\b",
                                 "photo/.."])
async def test_unsafe_keys_are_refused(storage, key):
    for call in (storage.read(key), storage.save(key, b"x"), storage.delete(key), storage.exists(key)):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(NotFound):
        await collect(storage, key)


async def test_local_files_never_leave_the_root(tmp_path: Path):
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(NotFound):
        await storage.read("../secret.txt")
    assert outside.read_bytes() == b"secret"


async def test_s3_objects_live_under_the_prefix(s3_server: S3Server):
    prefix = f"dkt-{uuid.uuid4().hex[:8]}"
    storage = s3_server.storage(prefix=f"/{prefix}/")
    try:
        key = storage.new_key("certificate", ".pdf")
        await storage.save(key, b"%PDF-1.4 x %%EOF")
        assert s3_server.keys(prefix + "/") == [f"{prefix}/{key}"]
        head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=f"{prefix}/{key}")
        assert head["Metadata"]["sha256"] == hashlib.sha256(b"%PDF-1.4 x %%EOF").hexdigest()
        # a presigned link fetches the object without credentials, and nothing else
        url = await storage.presigned_url(key, filename="通知书.pdf")
        async with httpx.AsyncClient() as http:
            r = await http.get(url)
            assert r.status_code == 200 and r.content == b"%PDF-1.4 x %%EOF"
            assert "attachment" in r.headers.get("content-disposition", "")
            tampered = url.replace(key, storage.new_key("certificate", ".pdf"))
            assert (await http.get(tampered)).status_code == 403
        await storage.delete(key)
        assert s3_server.keys(prefix + "/") == []
    finally:
        await storage.close()


async def test_s3_errors_other_than_missing_are_not_hidden(s3_server: S3Server):
    storage = S3Storage(bucket="no-such-bucket", endpoint_url=s3_server.endpoint_url, region="us-east-1",
                        access_key_id="k", secret_access_key="s", addressing_style="path")
    try:
        with pytest.raises(Exception) as exc:
            await storage.save(storage.new_key("x"), b"x")
        assert not isinstance(exc.value, NotFound)
    finally:
        await storage.close()


def test_configuration_chooses_the_backend(tmp_path: Path, s3_server: S3Server):
    assert isinstance(make_storage(Settings(STORAGE_DIR=str(tmp_path / "f"))), LocalStorage)
    s3 = make_storage(Settings.from_env({**s3_server.settings(prefix="p/")}))
    assert isinstance(s3, S3Storage) and s3.bucket == s3_server.bucket and s3.prefix == "p/"


@pytest.mark.parametrize("bad, message", [
    ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be local or s3"),
    ({"STORAGE_BACKEND": "s3"}, "needs S3_BUCKET"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "dns"}, "S3_ADDRESSING_STYLE"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k"}, "both S3_ACCESS_KEY_ID"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": "oss-cn-hangzhou.aliyuncs.com"}, "http"),
])
def test_bad_storage_settings_refuse_to_start(bad, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(bad)
