"""The app on the S3-compatible object store (moto in server mode, tests/fakes/s3_server.py): uploads,
downloads and an export job's file go through the bucket, never the local disk — what lets several
API servers and task workers share the files. Retention deletes on S3: tests/integration/test_retention.py."""

from __future__ import annotations

import io
import os

import pytest
from openpyxl import load_workbook

from server.models import Assessment, Job, StoredFile
from server.services.platform.runtime import rt
from server.services.platform.storage import LocalStorage, S3Storage
from server.services.results import certificates
from tests.factories import auth, token_for
from tests.fakes.s3_server import S3Server
from tests.integration.mp_support import API, jpeg, pdf, setup, upload_photo, upload_proof
from tests.integration.results_support import exam_world
from tests.integration.test_certificates import needs_font, qualified
from tests.integration.test_exports import apply
from tests.integration.test_statistics import seed_fixture


async def test_the_app_runs_on_the_configured_backend(app):
    """TEST_STORAGE_BACKEND=s3 puts the whole session's app on the object store (conftest)."""
    on_s3 = os.environ.get("TEST_STORAGE_BACKEND") == "s3"
    assert isinstance(rt().storage, S3Storage if on_s3 else LocalStorage)
    assert rt().settings.STORAGE_BACKEND == ("s3" if on_s3 else "local")


@pytest.fixture
def bucket(on_s3: S3Storage, s3_server: S3Server):
    """The objects under this test's prefix, as the bucket lists them."""
    assert rt().storage is on_s3
    return lambda: set(s3_server.keys(on_s3.prefix))


async def test_photo_and_proof_are_stored_in_the_bucket_and_downloaded(client, on_s3, bucket):
    local = rt().settings.storage_path()
    on_disk = {p for p in local.rglob("*") if p.is_file()}
    s = await setup()
    r = await upload_photo(client, s, jpeg())
    assert r.status_code == 201, r.text
    photo = await StoredFile.get(id=(await Assessment.get(id=s.assessment.id)).photo_file_id)
    r = await upload_proof(client, s, pdf())
    assert r.status_code == 201, r.text
    proof = await StoredFile.get(id=r.json()["data"][0]["id"])
    assert bucket() == {on_s3.object_key(photo.key), on_s3.object_key(proof.key)}
    # the photo comes back from the bucket, re-encoded as stored
    r = await client.get(f"{API}/enrolment/photo", headers=s.headers)
    assert r.status_code == 200 and r.content == await on_s3.read(photo.key) and r.content[:2] == b"\xff\xd8"
    r = await client.get(f"{API}/uploads/{proof.id}", headers=s.headers)
    assert r.status_code == 200 and r.content == pdf()
    # nothing was written to the local directory
    assert {p for p in local.rglob("*") if p.is_file()} == on_disk


async def test_an_export_job_writes_to_the_bucket_and_streams_back(client, on_s3, bucket):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    job = await apply(client, token, "progress")
    stored = await StoredFile.get(id=(await Job.get(id=job["id"])).result_file_id)
    assert stored.purpose == "job_result" and bucket() == {on_s3.object_key(stored.key)}
    r = await client.get(f"/api/v1/admin/jobs/{job['id']}/result", headers=auth(token))
    assert r.status_code == 200
    assert int(r.headers["content-length"]) == len(r.content) == stored.size
    assert "attachment" in r.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 12  # the header and 11 rows


async def test_a_file_missing_from_the_bucket_answers_404_not_a_broken_download(client, on_s3, bucket):
    fx = await seed_fixture()
    token = await token_for(fx.w.gx_admin)
    job = await apply(client, token, "progress")
    for name in bucket():
        await on_s3.delete(name.removeprefix(on_s3.prefix))
    assert bucket() == set()
    r = await client.get(f"/api/v1/admin/jobs/{job['id']}/result", headers=auth(token))
    assert r.status_code == 404 and r.json()["message"] == "文件不存在"


@needs_font
async def test_a_certificate_takes_the_photo_from_the_bucket_and_prints_without_it_once_gone(client, on_s3, bucket):
    w, cycle = await exam_world()
    d, a = await qualified(client, w, cycle)
    photo = await StoredFile.get(id=(await Assessment.get(id=a.id)).photo_file_id)
    assert on_s3.object_key(photo.key) in bucket()
    assert await certificates.standard_photo(a) == await on_s3.read(photo.key)
    with_photo = await d.mp("GET", "/results/certificate")
    assert with_photo.status_code == 200 and with_photo.content.startswith(b"%PDF-")
    await on_s3.delete(photo.key)
    assert await certificates.standard_photo(a) is None
    without = await d.mp("GET", "/results/certificate")
    assert without.status_code == 200 and without.content.startswith(b"%PDF-")
    assert len(without.content) < len(with_photo.content)  # the same notice, no image embedded
