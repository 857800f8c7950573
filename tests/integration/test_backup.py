"""scripts/backup.sh and scripts/restore.sh (issue #15, README "Backups"): a backup of a database with
assessments, attempts and stored files, restored into a new empty database and storage directory,
holds the same assessments, attempts and files. PostgreSQL only (pg_dump / pg_restore on PATH, or
in the newest /usr/lib/postgresql/*/bin as scripts/services.sh installs them)."""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest

from server.models import Assessment, ExamAnswer, ExamAttempt, StoredFile
from server.services.platform.runtime import rt
from server.services.platform.storage import LocalStorage
from tests.conftest import BACKEND
from tests.integration.attempt_support import (
    begin,
    exam_world,
    fresh_shape_cache,  # noqa: F401 (autouse fixture)
    save,
)

ROOT = Path(__file__).resolve().parents[2]


def _pg_bin() -> str | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    for d in reversed(dirs):
        if os.access(f"{d}/pg_dump", os.X_OK) and os.access(f"{d}/pg_restore", os.X_OK):
            return d
    tool = shutil.which("pg_dump")
    return str(Path(tool).parent) if tool and shutil.which("pg_restore") else None


pytestmark = [
    pytest.mark.skipif(BACKEND != "postgres", reason="backups are of PostgreSQL (TEST_DATABASE_URL)"),
    pytest.mark.skipif(_pg_bin() is None, reason="pg_dump / pg_restore not installed"),
]


async def _run(script: str, *args: str, env: dict[str, str]) -> str:
    proc = await asyncio.create_subprocess_exec(str(ROOT / "scripts" / script), *args, cwd=ROOT,
                                                env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, f"{script}: {err.decode()}"
    return out.decode()


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@pytest.fixture
def on_local_disk(app, tmp_path):
    """The files on the local disk for this test, whatever TEST_STORAGE_BACKEND says: backup.sh
    archives STORAGE_DIR (a bucket is backed up by its own versioning and replication, README)."""
    runtime = rt()
    before = runtime.storage
    runtime.storage = app.ctx.storage = LocalStorage(Path(runtime.settings.STORAGE_DIR))
    try:
        yield
    finally:
        runtime.storage = app.ctx.storage = before


async def test_backup_restores_into_an_empty_database(app, client, tmp_path, on_local_disk):
    e = await exam_world()
    aid = (await begin(client, e))["id"]  # the start check stores a face image
    assert (await save(client, e, aid, 1, ["B"], 1)).status_code == 200
    e2 = await exam_world(w=e.w, banks=False)
    aid2 = (await begin(client, e2))["id"]
    assert (await save(client, e2, aid2, 2, ["A"], 3)).status_code == 200

    assessments = {a.id: (a.physician_id, a.status.value, a.procedure.value)
                   for a in await Assessment.all()}
    attempts = {x.id: (x.assessment_id, x.status.value) for x in await ExamAttempt.all()}
    answers = {(a.attempt_id, a.position): (a.answer, a.seq) for a in await ExamAnswer.all()}
    files = {f.key: f.sha256 for f in await StoredFile.all()}
    assert len(assessments) == 2 and len(attempts) == 2 and len(files) >= 2

    settings = rt().settings
    env = {"DATABASE_URL": settings.DATABASE_URL, "STORAGE_DIR": settings.STORAGE_DIR, "PG_BIN": _pg_bin() or ""}
    backup_dir = Path((await _run("backup.sh", str(tmp_path / "backups"), env=env)).strip())
    assert sorted(os.listdir(backup_dir)) == ["SHA256SUMS", "db.dump", "files.tar.gz"]

    admin_url, _, _ = settings.DATABASE_URL.rpartition("/")
    name = f"dkt_restore_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_pg(f"{admin_url}/postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restored_files = tmp_path / "restored-files"
        restore_env = {**env, "DATABASE_URL": f"{admin_url}/{name}", "STORAGE_DIR": str(restored_files)}
        await _run("restore.sh", str(backup_dir), env=restore_env)
        conn = await asyncpg.connect(_pg(f"{admin_url}/{name}"))
        try:
            rows = await conn.fetch("SELECT id, physician_id, status, procedure FROM assessment")
            assert {r["id"]: (r["physician_id"], r["status"], r["procedure"]) for r in rows} == assessments
            rows = await conn.fetch("SELECT id, assessment_id, status FROM exam_attempt")
            assert {r["id"]: (r["assessment_id"], r["status"]) for r in rows} == attempts
            rows = await conn.fetch("SELECT attempt_id, position, answer, seq FROM exam_answer")
            assert {(r["attempt_id"], r["position"]): (r["answer"], r["seq"]) for r in rows} == answers
            assert answers[(aid, 1)] == ("B", 1) and answers[(aid2, 2)] == ("A", 3)
            rows = await conn.fetch("SELECT key, sha256 FROM stored_file")
            assert {r["key"]: r["sha256"] for r in rows} == files
        finally:
            await conn.close()
        for key, digest in files.items():
            assert hashlib.sha256((restored_files / key).read_bytes()).hexdigest() == digest

        # a second restore into the now non-empty database is refused
        proc = await asyncio.create_subprocess_exec(str(ROOT / "scripts" / "restore.sh"), str(backup_dir), cwd=ROOT,
                                                    env={**os.environ, **restore_env, "STORAGE_DIR": str(tmp_path / "x")},
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await proc.communicate()
        assert proc.returncode == 4 and "not empty" in err.decode()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
