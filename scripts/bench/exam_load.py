"""Exam load: N physicians take a timed exam against a running server on PostgreSQL + Redis
(SPEC §9: thousands start an exam in the same minute, each start runs a face check).

    eval "$(bash scripts/services.sh)"          # throwaway PostgreSQL + redis-server
    python scripts/bench/exam_load.py -n 1000    # starts `python -m server --workers 2` itself
    python scripts/bench/exam_load.py -n 1000 --url http://127.0.0.1:8000 --database postgres://…/db \
        --redis redis://…/0                      # or against a server you started on that database

Without --url it creates a dkt_bench_exam_<random> database next to --database (default: the
services.sh PostgreSQL), migrates it, seeds it, starts 2 Sanic workers (TASK_BROKER=inmemory, so
each API worker runs the deadline sweeper) with REDIS_URL on Redis DB --redis-db, and drops the
database at the end (--keep to keep it).

SEEDING ONLY (direct inserts, not through the API): a province, an institution, the current
cycle with the 首轮考核 window open, a 人文医学 bank of 150 questions, N physicians (简易程序)
with their assessment in 待参加测评 and 人脸信息采集授权 given, their sessions (made directly in
Redis, as after login); the papers are drawn before the window opens with the real
``papers.draw_papers_for_cycle`` (the province's 抽取试卷 job) unless --draw-on-start.

Measured, over loopback with one asyncio httpx client (one process):
1. start storm: every examinee starts within --storm-seconds (uniform arrivals): 进入
   (POST /exams/humanities/start) then the start face check (a 320×240 JPEG): start_rps,
   start_p50_ms / start_p99_ms (the start call), start_check_p50_ms / p99;
2. answering: each examinee saves --answers answers, one every --interval seconds (COMPRESSED
   TIMING: a real examinee answers 50 questions in up to 60 minutes; random positions, answers
   changed, 5 % replays of the previous request), while /api/v1/health is hit by 2 loops:
   save_rps, save_p50_ms, save_p99_ms, trivial_rps, trivial_p50_ms;
3. submit: a submit face check and 交卷 (submit_p50_ms / p99); --abandon (default 10 %) of the
   examinees stop instead — their deadlines are then moved into the past in the database (TIME
   COMPRESSION, marked) and the server's own sweeper must submit them (sweep_seconds);
4. check: every answer the server acknowledged must be in the submitted attempt (a later seq may
   have replaced it): lost_answers; attempts not submitted count as errors.
The server gets --redis-pool (1000) Redis connections per worker through its REDIS_URL: redis-py's
default pool (100, refusing beyond) answers a burst of requests with 500s (``--redis-pool 0`` shows it).
The last line is JSON: save_rps, save_p50_ms, save_p99_ms, errors, lost_answers, trivial_rps,
start_rps, start_p50_ms, start_p99_ms, N, duration and the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402

from scripts.bench._setup import create_pg_database, drop_pg_database, log, national_and_province, region  # noqa: E402
from server.config import Settings  # noqa: E402
from server.security import id_check_digit  # noqa: E402

KPS = ("卫生法律法规", "医学伦理", "医患沟通")
LOG = Path(tempfile.gettempdir()) / "dkt-exam-bench-server.log"  # the server's log of the last run


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def face_jpeg() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240))
    d = ImageDraw.Draw(img)
    for y in range(240):
        d.line([(0, y), (320, y)], fill=(90 + y // 4, 110 + y // 5, 140))
    d.ellipse((110, 40, 210, 180), fill=(230, 190, 160))
    d.ellipse((135, 90, 150, 100), fill=(40, 30, 30))
    d.ellipse((170, 90, 185, 100), fill=(40, 30, 30))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


# --- the database and the server ------------------------------------------------------------------
def start_server(db_url: str, redis_url: str, port: int, workers: int, storage: str,
                 extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "TASK_BROKER": "inmemory",
           "SEED_DEMO": "false", "STORAGE_DIR": storage, "ENV": "development", "PYTHONUNBUFFERED": "1",
           **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "server", "--workers", str(workers), "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(LOG, "w"), start_new_session=True)  # noqa: SIM115


def start_face_worker(db_url: str, redis_url: str, storage: str) -> subprocess.Popen:
    """One taskiq worker process taking face checks from the queue (as on a face machine)."""
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "TASK_BROKER": "redis",
           "STORAGE_DIR": storage, "ENV": "development", "FACE_VERIFY_ENABLED": "true"}
    taskiq = Path(sys.executable).with_name("taskiq")
    return subprocess.Popen([str(taskiq), "worker", "server.worker:broker", "--workers", "1"],
                            cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


async def real_face() -> tuple[bytes, bytes]:
    """(a snapshot to send, the reference embedding of the same person's standard photo)."""
    from face_bench import DEFAULT_FACES, sample_photos

    from server.services.face.pool import FacePool

    photo, snapshot = sample_photos(DEFAULT_FACES)
    pool = FacePool(1, timeout=120)
    try:
        reference = (await pool.run_reference(photo)).embedding
    finally:
        pool.close()
    return snapshot, reference


async def wait_ready(url: str, proc: subprocess.Popen | None, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=url) as c:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"the server exited at start-up (see {LOG})")
            try:
                if (await c.get("/api/v1/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit("the server did not become ready")


# --- SEEDING ONLY: direct inserts, not through the API --------------------------------------------
async def seed(n: int, draw: bool, reference: bytes | None = None) -> list[tuple[int, str]]:
    """Everything the examinees need; returns (assessment id, session token) per examinee. With a
    ``reference`` embedding, each physician gets it as the reference of a standard photo."""
    from server.models import (
        Assessment,
        AssessmentStatus,
        Cycle,
        FaceConsent,
        Organisation,
        OrgKind,
        PaperType,
        Physician,
        Procedure,
        Question,
        QuestionType,
        RegionLevel,
    )
    from server.services.accounts import sessions
    from server.services.accounts.physician_auth import physician_session_data
    from server.services.assessment import transitions
    from server.services.cycles import papers

    china, province = await national_and_province()
    city = await region("450100", "基准市", RegionLevel.CITY, province)
    county = await region("450103", "基准县", RegionLevel.COUNTY, city)
    org = await Organisation.create(name="基准医院", kind=OrgKind.HEALTH_INSTITUTION, region=county,
                                    region_path=county.path)
    now = transitions.utcnow()
    cycle = await Cycle.create(province=province, name="2024-2026周期", start_date=date(2024, 1, 1),
                               end_date=date(2026, 12, 31), is_current=True, exam_start=now - timedelta(days=1),
                               exam_end=now + timedelta(days=10))
    questions = []
    for k, kp in enumerate(KPS):
        for i in range(50):
            qtype = QuestionType.SINGLE if i < 40 else QuestionType.MULTIPLE if i < 45 else QuestionType.JUDGE
            options = ([{"key": "A", "text": "正确"}, {"key": "B", "text": "错误"}] if qtype == QuestionType.JUDGE
                       else [{"key": c, "text": f"{kp}选项{c}{i}"} for c in "ABCDE"])
            answer = ["A"] if qtype == QuestionType.JUDGE else ["B", "D"] if qtype == QuestionType.MULTIPLE else ["C"]
            questions.append(Question(bank="national", code=f"B{k}{i:04d}", paper_type=PaperType.HUMANITIES,
                                      knowledge_point=kp, qtype=qtype, stem=f"{kp}基准题干{i}", options=options,
                                      answer=answer, explanation="基准解析"))
    await Question.bulk_create(questions)
    people = []
    for i in range(n):
        first17 = f"450103{date(1960, 1, 1) + timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
        people.append(Physician(id_number=first17 + id_check_digit(first17), name=f"医师{i}", institution_id=org.id,
                                region_path=org.region_path, must_change_password=False, phone_verified=True,
                                phone=f"139{i:08d}"))
    await Physician.bulk_create(people, batch_size=1000)
    physicians = await Physician.all().order_by("id")
    await Assessment.bulk_create([Assessment(physician_id=p.id, cycle_id=cycle.id, institution_id=org.id,
                                             region_path=org.region_path, status=AssessmentStatus.AWAITING_EXAM,
                                             active=True, procedure=Procedure.SIMPLE,
                                             # 确认考核信息 made (seeding): the benches measure 进入 and saves
                                             exam_info_confirmed_at=datetime.now(UTC)) for p in physicians],
                                 batch_size=1000)
    await FaceConsent.bulk_create([FaceConsent(physician_id=p.id, cycle_id=cycle.id) for p in physicians],
                                  batch_size=1000)
    if reference is not None:
        import uuid

        from server.models import FaceReference

        await FaceReference.bulk_create([FaceReference(physician_id=p.id, cycle_id=cycle.id, photo_file_id=uuid.uuid4(),
                                                       embedding=reference) for p in physicians], batch_size=1000)
    if draw:
        t = time.perf_counter()
        counts = await papers.draw_papers_for_cycle(cycle.id)
        log(f"papers drawn before the window: {counts} in {time.perf_counter() - t:.1f}s")
    by_physician = dict(await Assessment.all().values_list("physician_id", "id"))
    out = []
    for p in physicians:
        data = physician_session_data(p)
        data.update(must_change_password=False, needs_phone=False)
        out.append((by_physician[p.id],
                    await sessions.create_session(sessions.physician_subject(p.id), data)))
    return out


# --- the examinees ------------------------------------------------------------------------------
@dataclass
class Stats:
    start: list[float] = field(default_factory=list)
    start_check: list[float] = field(default_factory=list)
    save: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    trivial: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    storm_done: list[float] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


@dataclass
class Examinee:
    assessment_id: int
    headers: dict[str, str]
    c: httpx.AsyncClient  # the examinee's own connection (one request at a time, like a phone)
    attempt_id: int | None = None
    shape: int = 50
    seq: int = 0
    acked: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    checks: int = 0  # face checks sent: each a new picture (a repeated one is refused as replayed)


def variants(image: bytes, n: int = 6) -> list[bytes]:
    """``n`` pictures of the same face differing in one pixel each (another sha256 per check)."""
    from PIL import Image

    base = Image.open(io.BytesIO(image)).convert("RGB")
    out = []
    for k in range(n):
        img = base.copy()
        img.putpixel((k, 0), (k * 40 % 256, 0, 0))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    return out



async def call(c: httpx.AsyncClient, stats: Stats, bucket: list[float] | None, what: str, method: str, url: str,
               **kw: Any) -> httpx.Response | None:
    t = time.perf_counter()
    try:
        r = await c.request(method, url, **kw)
    except httpx.HTTPError as exc:
        stats.error(f"{what}:{type(exc).__name__}")
        return None
    if bucket is not None:
        bucket.append(time.perf_counter() - t)
    return r


async def face_check(stats: Stats, e: Examinee, moment: str, image: list[bytes], bucket: list[float] | None) -> bool:
    t = time.perf_counter()
    for _try in range(30):  # the app waits as told on 429 (the face checks are full) and tries again
        picture = image[e.checks % len(image)]  # a new photo each time, as the camera takes one
        e.checks += 1
        r = await call(e.c, stats, None, f"check_{moment}", "POST", f"/api/v1/mp/attempts/{e.attempt_id}/face-check",
                       headers=e.headers, data={"moment": moment}, files={"image": ("face.jpg", picture, "image/jpeg")})
        if r is None or r.status_code != 429:
            break
        stats.error(f"check_{moment}:429_retried")
        await asyncio.sleep(float(r.headers.get("retry-after", "1")))
    if bucket is not None:
        bucket.append(time.perf_counter() - t)
    if r is not None and r.status_code == 409 and r.json().get("code") == "face_check_required" \
            and r.json()["details"]["moment"] != moment:  # 交卷核验 asks for the mid check first
        return await face_check(stats, e, r.json()["details"]["moment"], image, None) \
            and await face_check(stats, e, moment, image, None)
    ok = r is not None and r.status_code == 200 and r.json()["check"]["passed"]
    if not ok and r is not None:
        stats.error(f"check_{moment}:{r.status_code}:{r.json().get('code', '') if r.status_code != 200 else 'not_passed'}")
    return ok


async def enter(stats: Stats, e: Examinee, at: float, image: list[bytes]) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    r = await call(e.c, stats, stats.start, "start", "POST", "/api/v1/mp/exams/humanities/start", headers=e.headers)
    if r is None or r.status_code != 200:
        stats.error(f"start:{getattr(r, 'status_code', 'x')}")
        return
    e.attempt_id = r.json()["id"]
    e.shape = r.json()["question_count"]
    if await face_check(stats, e, "start", image, stats.start_check):
        stats.storm_done.append(time.monotonic())


async def answer(stats: Stats, e: Examinee, count: int, interval: float, image: list[bytes],
                 rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, interval))
    previous: tuple[int, list[str], int] | None = None
    for _ in range(count):
        if previous is not None and rng.random() < 0.05:
            position, letters, seq = previous  # a replay (retry after a dropped connection)
        else:
            e.seq += 1
            position, letters, seq = rng.randint(1, e.shape), [rng.choice("AB")], e.seq
        previous = (position, letters, seq)
        url = f"/api/v1/mp/attempts/{e.attempt_id}/answers/{position}"
        for _attempt in range(2):
            r = await call(e.c, stats, stats.save, "save", "PUT", url, headers=e.headers,
                           json={"answer": letters, "seq": seq})
            if r is not None and r.status_code == 409 and r.json().get("code") == "face_check_required":
                await face_check(stats, e, r.json()["details"]["moment"], image, None)
                continue
            if r is not None and r.status_code == 200:
                body = r.json()
                e.acked[str(position)] = max(e.acked.get(str(position), (-1, [])), (body["seq"], body["chosen"]))
            elif r is not None:
                stats.error(f"save:{r.status_code}")
            break
        await asyncio.sleep(interval)


async def finish(stats: Stats, e: Examinee, image: list[bytes]) -> None:
    if not await face_check(stats, e, "submit", image, None):
        return
    for _try in range(3):  # 交卷 may ask for a check first (the mid check brought forward): do it, submit again
        r = await call(e.c, stats, stats.submit, "submit", "POST", f"/api/v1/mp/attempts/{e.attempt_id}/submit",
                       headers=e.headers)
        if r is not None and r.status_code == 409 and r.json().get("code") == "face_check_required":
            if await face_check(stats, e, r.json()["details"]["moment"], image, None):
                continue
        break
    if r is None or r.status_code != 200:
        code = r.json().get("code", "") if r is not None and r.status_code != 500 else ""
        stats.error(f"submit:{getattr(r, 'status_code', 'x')}:{code}")


async def trivial(c: httpx.AsyncClient, stats: Stats, until: asyncio.Event) -> None:
    while not until.is_set():
        r = await call(c, stats, stats.trivial, "health", "GET", "/api/v1/health")
        if r is None or r.status_code != 200:
            stats.error("health")


# --- the run -----------------------------------------------------------------------------------------
async def run(args: argparse.Namespace) -> dict[str, Any]:
    from server.listeners import close_resources, open_resources
    from server.models import AttemptStatus, ExamAnswer, ExamAttempt
    from server.services.platform.runtime import _runtime

    admin = args.database or os.environ.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:55432/postgres"
    redis_url = args.redis or f"redis://127.0.0.1:{os.environ.get('DKT_REDIS_PORT', '56379')}/{args.redis_db}"
    name, db_url = ("", admin) if args.url else await create_pg_database(admin, "dkt_bench_exam")
    storage = tempfile.mkdtemp(prefix="dkt-exam-bench-")
    proc = None
    face_workers: list[subprocess.Popen] = []
    try:
        settings = Settings(DATABASE_URL=db_url, REDIS_URL=redis_url, SEED_DEMO=False, STORAGE_DIR=storage)
        await open_resources(settings, migrate_schema=not args.url)
        t = time.perf_counter()
        picture, reference = face_jpeg(), None
        if args.real_faces:  # a real face: every examinee's reference and every check's picture
            picture, reference = await real_face()
        image = variants(picture)
        people = await seed(args.n, not args.draw_on_start, reference)
        log(f"seeded {args.n} examinees in {time.perf_counter() - t:.1f}s")
        url = args.url
        if not url:
            # redis-py's default pool (100 connections, refusing beyond) answers a burst with 500s:
            # the server gets a larger one through its REDIS_URL (--redis-pool 0: the default)
            server_redis = f"{redis_url}?max_connections={args.redis_pool}" if args.redis_pool else redis_url
            env = {"FACE_VERIFY_ENABLED": "true" if args.real_faces else "false"}
            if args.face_workers:  # the checks go to taskiq face workers (FACE_BACKEND=queue)
                env.update(TASK_BROKER="redis", FACE_BACKEND="queue")
                face_workers = [start_face_worker(db_url, redis_url, storage) for _ in range(args.face_workers)]
            proc = start_server(f"{db_url}?maxsize={args.pool}", server_redis, args.port, args.workers, storage, env)
            url = f"http://127.0.0.1:{args.port}"
        urls = url.split(",")  # several servers (a comma list): the examinees are spread over them
        for one in urls:
            await wait_ready(one, proc)
        rng, stats = random.Random(7), Stats()
        # one small client per examinee (httpx's pool does not scale to hundreds of connections in one
        # client); one TLS context for all (never used on http://, but httpx builds one per client)
        tls = ssl.create_default_context()

        def client(connections: int = 1, base: str = urls[0]) -> httpx.AsyncClient:
            return httpx.AsyncClient(base_url=base, verify=tls, timeout=60, limits=httpx.Limits(
                max_connections=connections, max_keepalive_connections=connections))

        examinees = [Examinee(aid, {"authorization": f"Bearer {token}"}, client(base=urls[i % len(urls)]))
                     for i, (aid, token) in enumerate(people)]
        began = time.monotonic()
        try:
            log(f"start storm: {args.n} examinees within {args.storm_seconds}s")
            t0 = time.monotonic()
            await asyncio.gather(*(enter(stats, e, t0 + args.storm_seconds * i / args.n, image)
                                   for i, e in enumerate(examinees)))
            storm = (max(stats.storm_done) - t0) if stats.storm_done else 0.0
            running = [e for e in examinees if e.attempt_id is not None]
            log(f"answering: {len(running)} examinees x {args.answers} answers, one every {args.interval}s")
            stop = asyncio.Event()
            async with client(2) as health:
                loops = [asyncio.create_task(trivial(health, stats, stop)) for _ in range(2)]
                t1 = time.monotonic()
                await asyncio.gather(*(answer(stats, e, args.answers, args.interval, image, rng) for e in running))
                answering = time.monotonic() - t1
                stop.set()
                await asyncio.gather(*loops)
            quitting = {e.attempt_id for e in rng.sample(running, int(len(running) * args.abandon))}
            log(f"submitting: {len(running) - len(quitting)}; {len(quitting)} left to the deadline sweeper")
            await asyncio.gather(*(finish(stats, e, image) for e in running if e.attempt_id not in quitting))
        finally:
            await asyncio.gather(*(e.c.aclose() for e in examinees))
        # TIME COMPRESSION (marked): the abandoned attempts' deadlines are moved into the past
        t2 = time.monotonic()
        if quitting:
            from tortoise import connections

            await connections.get("default").execute_query(
                "UPDATE exam_attempt SET deadline = now() - interval '1 second' WHERE id = ANY($1::bigint[])",
                [list(quitting)])
            while await ExamAttempt.filter(id__in=list(quitting), status=AttemptStatus.IN_PROGRESS).exists():
                if time.monotonic() - t2 > 120:
                    break
                await asyncio.sleep(0.2)
        sweep_seconds = time.monotonic() - t2
        rows = {r["id"]: r for r in await ExamAttempt.filter(
            id__in=[e.attempt_id for e in running]).values("id", "status", "auto_submitted")}
        stored_answers: dict[tuple[int, str], dict[str, Any]] = {
            (a, str(pos)): {"seq": seq, "answer": list(letters)} for a, pos, letters, seq in await ExamAnswer.filter(
                attempt_id__in=[e.attempt_id for e in running]).values_list("attempt_id", "position", "answer", "seq")}
        lost = acked = unsubmitted = 0
        for e in running:
            row = rows[e.attempt_id]
            if row["status"] != AttemptStatus.SUBMITTED:
                unsubmitted += 1
            for pos, (seq, chosen) in e.acked.items():
                acked += 1
                stored = stored_answers.get((e.attempt_id, pos))
                if not stored or stored["seq"] < seq or (stored["seq"] == seq and stored["answer"] != chosen):
                    lost += 1
        if unsubmitted:
            stats.errors["not_submitted"] = unsubmitted
        duration = time.monotonic() - began
        return {
            "save_rps": round(len(stats.save) / answering, 1) if answering else 0.0,
            "save_p50_ms": pct(stats.save, 0.5), "save_p99_ms": pct(stats.save, 0.99),
            "errors": sum(v for k, v in stats.errors.items() if not k.endswith("_retried")), "lost_answers": lost,
            "trivial_rps": round(len(stats.trivial) / answering, 1) if answering else 0.0,
            "trivial_p50_ms": pct(stats.trivial, 0.5), "trivial_p99_ms": pct(stats.trivial, 0.99),
            "start_rps": round(len(stats.storm_done) / storm, 1) if storm else 0.0,
            "start_p50_ms": pct(stats.start, 0.5), "start_p99_ms": pct(stats.start, 0.99),
            "start_check_p50_ms": pct(stats.start_check, 0.5), "start_check_p99_ms": pct(stats.start_check, 0.99),
            "submit_p50_ms": pct(stats.submit, 0.5), "submit_p99_ms": pct(stats.submit, 0.99),
            "N": args.n, "duration": round(duration, 1), "storm_seconds": round(storm, 1),
            "answering_seconds": round(answering, 1), "saves": len(stats.save), "acked_answers": acked,
            "auto_submitted": sum(1 for r in rows.values() if r["auto_submitted"]),
            "sweep_seconds": round(sweep_seconds, 1), "error_kinds": stats.errors, "workers": args.workers,
            "save_mode": os.environ.get("DKT_EXAM_SAVE", "group"), "redis_pool": args.redis_pool or 100, "papers_predrawn": not args.draw_on_start,
            "cpus": os.cpu_count(), "real_faces": args.real_faces, "face_workers": args.face_workers,
        }
    finally:
        for worker in face_workers:
            worker.terminate()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        await close_resources(_runtime)
        if name and not args.keep:
            await drop_pg_database(admin, name)
        shutil.rmtree(storage, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=1000, help="examinees")
    p.add_argument("--storm-seconds", type=float, default=60.0, help="all start within this many seconds")
    p.add_argument("--answers", type=int, default=15, help="answers saved per examinee")
    p.add_argument("--interval", type=float, default=3.0, help="seconds between an examinee's answers")
    p.add_argument("--abandon", type=float, default=0.1, help="share left to the deadline sweeper")
    p.add_argument("--url", default="", help="a running server, or several as a comma list (seeds --database, "
                                             "which must be their database)")
    p.add_argument("--database", default="", help="PostgreSQL URL (default: services.sh's)")
    p.add_argument("--redis", default="", help="Redis URL of the server (default: services.sh's, DB --redis-db)")
    p.add_argument("--redis-db", type=int, default=11)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--port", type=int, default=18731)
    p.add_argument("--pool", type=int, default=20, help="database connections per worker")
    p.add_argument("--redis-pool", type=int, default=1000, help="Redis connections per worker (0: redis-py's 100)")
    p.add_argument("--draw-on-start", action="store_true", help="do not draw the papers before the window")
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    p.add_argument("--real-faces", action="store_true",
                   help="real face checks (FACE_VERIFY_ENABLED) of a real face against seeded references")
    p.add_argument("--face-workers", type=int, default=0,
                   help="taskiq face worker processes (FACE_BACKEND=queue); 0: the API's process pool")
    args = p.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
