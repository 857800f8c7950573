"""A real S3-compatible server for the tests: moto in server mode (HTTP on 127.0.0.1, a free port),
the same wire protocol as Alibaba OSS, Tencent COS and MinIO.

Fixtures:
- ``s3_server`` (session): the running server with one bucket, TEST_BUCKET.
- ``s3_storage`` (per test): an S3Storage on it under a fresh prefix (each test sees an empty store).
- ``on_s3`` (per test): the app's runtime storage swapped for that S3Storage for the test, so
  requests, services and background jobs read and write the object store
  (TEST_STORAGE_BACKEND=s3 runs the whole session's app on it instead).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from server.services.platform.runtime import rt
from server.services.platform.storage import S3Storage

TEST_BUCKET = "dkt-test"
REGION = "us-east-1"
KEY_ID, SECRET = "test-key-id", "test-secret"  # moto accepts any credentials


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str = TEST_BUCKET

    def client(self):
        """A plain (sync) boto3 client, for the tests to look behind the storage's back."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)

    def storage(self, prefix: str = "", addressing_style: str = "path") -> S3Storage:
        return S3Storage(bucket=self.bucket, endpoint_url=self.endpoint_url, region=REGION,
                         access_key_id=KEY_ID, secret_access_key=SECRET, prefix=prefix,
                         addressing_style=addressing_style)

    def settings(self, prefix: str = "") -> dict[str, str]:
        return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.endpoint_url, "S3_BUCKET": self.bucket,
                "S3_REGION": REGION, "S3_ACCESS_KEY_ID": KEY_ID, "S3_SECRET_ACCESS_KEY": SECRET,
                "S3_PREFIX": prefix, "S3_ADDRESSING_STYLE": "path"}

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]


_server: S3Server | None = None


def start() -> S3Server:
    """Start moto once per process (the app fixture may need it before any test asks)."""
    global _server
    if _server is None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test log
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        host, port = moto.get_host_and_port()
        server = S3Server(f"http://{host}:{port}")
        server.client().create_bucket(Bucket=server.bucket)
        _server = server
    return _server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    yield start()


@pytest.fixture
async def s3_storage(s3_server: S3Server) -> AsyncIterator[S3Storage]:
    storage = s3_server.storage(prefix=f"t-{uuid.uuid4().hex[:10]}/")
    try:
        yield storage
    finally:
        await storage.close()


@contextlib.asynccontextmanager
async def app_on_s3(app, server: S3Server) -> AsyncIterator[S3Storage]:
    """The app's runtime storage is a fresh S3Storage (own prefix) inside the block."""
    runtime = rt()
    before = runtime.storage
    storage = server.storage(prefix=f"t-{uuid.uuid4().hex[:10]}/")
    runtime.storage = app.ctx.storage = storage
    try:
        yield storage
    finally:
        runtime.storage = app.ctx.storage = before
        await storage.close()


@pytest.fixture
async def on_s3(app, s3_server: S3Server) -> AsyncIterator[S3Storage]:
    async with app_on_s3(app, s3_server) as storage:
        yield storage
