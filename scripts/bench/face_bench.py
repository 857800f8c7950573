"""Face check latency and throughput on this machine, per embedding engine (before/after).

    python scripts/bench/face_bench.py [--faces ../shared/faces] [-n 30] [--checks 60] [--pools 1,2]
                                       [--engines dlib,onnx]

Every figure is taken for each engine of ``--engines`` in the same run, interleaved (the machine
is shared, so the before/after comparison is what counts): ``dlib`` is dlib's
compute_face_descriptor (the old path), ``onnx`` the same ResNet on ONNX Runtime.

1. Per-stage medians of one check on a 640 px photo in this process: decode, detect (BlazeFace
   on the frame and four tiles), align (dlib 5 points), embed (chip + network), compare
   (distance and decision); and the end-to-end ``FacePipeline.check`` median / p95.
2. The same check on a phone-size JPEG (the photo upscaled to 4000x3000 with a little
   sensor-like noise, 2–3 MB).
3. Throughput of ``FacePool`` with 1 and 2 worker processes: ``--checks`` concurrent checks
   awaited from an event loop, while a 10 ms ticker on that loop measures how late it wakes
   (what an answer save would wait).
The last line is JSON (``engines.<name>.photo_640.median_ms``, ``pools[].checks_per_s`` …).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from server.face import Thresholds

DEFAULT_FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sample_photos(faces: Path) -> tuple[bytes, bytes]:
    """(standard photo, snapshot) of one person: shared/faces p01 or matplotlib's sample face."""
    if (faces / "p01" / "1.jpg").is_file():
        return (faces / "p01" / "1.jpg").read_bytes(), (faces / "p01" / "2.jpg").read_bytes()
    import importlib.metadata

    path = Path(str(importlib.metadata.distribution("matplotlib").locate_file(
        "matplotlib/mpl-data/sample_data/grace_hopper.jpg")))
    with Image.open(path) as img:
        buf = io.BytesIO()
        img.convert("RGB").resize((480, 562)).save(buf, "JPEG", quality=90)
    return path.read_bytes(), buf.getvalue()


def phone_jpeg(snapshot: bytes) -> bytes:
    with Image.open(io.BytesIO(snapshot)) as img:
        big = img.convert("RGB").resize((4000, 3000) if img.width >= img.height else (3000, 4000),
                                        Image.Resampling.LANCZOS)
    noisy = np.asarray(big, dtype=np.int16) + np.random.default_rng(0).normal(0, 2.5, (big.height, big.width, 3))
    big = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    for quality in (90, 93, 95, 97):
        buf = io.BytesIO()
        big.save(buf, "JPEG", quality=quality)
        if buf.tell() >= 2 * 1024 * 1024:
            break
    return buf.getvalue()


def latency(pipeline: object, image: bytes, reference: bytes, n: int) -> dict[str, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        pipeline.check(image, reference)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - t) * 1000)
    return summary(times)


def summary(times: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(pct(times, 0.95), 2)}


def stages(pipeline: Any, image: bytes, reference: bytes) -> dict[str, float]:
    """One check, timed stage by stage (the same calls FacePipeline.check makes)."""
    from server.face import Analysis, decide
    from server.face.embed import as_vector
    from server.face.image import decode

    th = Thresholds()
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    decoded = decode(image, max_side=pipeline.max_side)
    t1 = time.perf_counter()
    faces = pipeline.detector.detect(decoded.rgb, th.min_face_confidence)
    t2 = time.perf_counter()
    embedder = pipeline.embedder
    rgb = np.ascontiguousarray(decoded.rgb)
    shape = embedder.landmarks(rgb, faces[0])
    t3 = time.perf_counter()
    if embedder.engine == "onnx":
        vector = embedder._onnx(embedder.chip(rgb, shape)[None])[0]
    else:
        vector = np.asarray(embedder._resnet.compute_face_descriptor(rgb, shape, 0, 0.25), dtype=np.float32)
    t4 = time.perf_counter()
    result = decide(Analysis(faces, vector, decoded.grey_mean, decoded.grey_std), as_vector(reference), th)
    t5 = time.perf_counter()
    assert result.decision in ("passed", "review"), result.decision
    for name, a, b in (("decode", t0, t1), ("detect", t1, t2), ("align", t2, t3), ("embed", t3, t4),
                       ("compare", t4, t5)):
        out[name] = (b - a) * 1000
    return out


async def throughput(size: int, engine: str, image: bytes, reference: bytes, checks: int) -> dict[str, Any]:
    from server.services.face.pool import FacePool

    pool = FacePool(size, max_pending=checks + 1, timeout=600, pipeline_options={"embedder": engine})
    try:
        await pool.warm_up()
        await asyncio.gather(*(pool.run_check(image, reference) for _ in range(size * 2)))  # warm caches
        lags: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                t = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append((time.perf_counter() - t - 0.01) * 1000)

        tick = asyncio.create_task(ticker())
        t0 = time.perf_counter()
        results = await asyncio.gather(*(pool.run_check(image, reference) for _ in range(checks)))
        wall = time.perf_counter() - t0
        done.set()
        await tick
        assert all(r.decision in ("passed", "review") for r in results), [r.decision for r in results]
        return {"engine": engine, "processes": size, "checks": checks, "seconds": round(wall, 2),
                "checks_per_s": round(checks / wall, 2),
                "loop_lag_p99_ms": round(pct(lags, 0.99), 1), "loop_lag_max_ms": round(max(lags), 1)}
    finally:
        pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("-n", type=int, default=30, help="checks per latency figure")
    parser.add_argument("--checks", type=int, default=60, help="checks per throughput figure")
    parser.add_argument("--pools", default="1,2")
    parser.add_argument("--engines", default="dlib,onnx", help="embedding engines to compare (FACE_EMBEDDER)")
    args = parser.parse_args()

    from server.face import FacePipeline

    engines = [e for e in args.engines.split(",") if e]
    standard, snapshot = sample_photos(args.faces)
    phone = phone_jpeg(snapshot)
    out: dict[str, Any] = {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    pipelines: dict[str, Any] = {}
    figures: dict[str, dict[str, Any]] = {}
    for engine in engines:
        t = time.perf_counter()
        pipelines[engine] = FacePipeline(embedder=engine)
        if pipelines[engine].embedder.engine != engine:
            raise SystemExit(f"engine {engine} is not available here")
        figures[engine] = {"load_ms": round((time.perf_counter() - t) * 1000)}
    reference = pipelines[engines[0]].reference(standard).embedding  # the same vector on every engine
    with Image.open(io.BytesIO(snapshot)) as img:
        photo_size = list(img.size)

    # interleaved: one round of every engine at a time, so load changes hit all of them alike
    stage_times: dict[str, dict[str, list[float]]] = {e: {} for e in engines}
    e2e: dict[str, list[float]] = {e: [] for e in engines}
    phone_times: dict[str, list[float]] = {e: [] for e in engines}
    for engine in engines:  # warm caches
        pipelines[engine].check(snapshot, reference)
    for _ in range(args.n):
        for engine in engines:
            pipeline = pipelines[engine]
            for name, ms in stages(pipeline, snapshot, reference).items():
                stage_times[engine].setdefault(name, []).append(ms)
            t = time.perf_counter()
            pipeline.check(snapshot, reference)
            e2e[engine].append((time.perf_counter() - t) * 1000)
    for _ in range(max(3, args.n // 3)):
        for engine in engines:
            t = time.perf_counter()
            pipelines[engine].check(phone, reference)
            phone_times[engine].append((time.perf_counter() - t) * 1000)
    for engine in engines:
        figures[engine]["stages_median_ms"] = {k: round(statistics.median(v), 2) for k, v in stage_times[engine].items()}
        figures[engine]["photo_640"] = {"size": photo_size, "bytes": len(snapshot), **summary(e2e[engine])}
        figures[engine]["phone_jpeg"] = {"size": [4000, 3000], "bytes": len(phone), **summary(phone_times[engine])}
        print(f"[{engine}] stages (median ms): {figures[engine]['stages_median_ms']}")
        print(f"[{engine}] 640 px photo: {figures[engine]['photo_640']}")
        print(f"[{engine}] phone JPEG:   {figures[engine]['phone_jpeg']}")
        pipelines[engine].close()
    out["engines"] = figures
    pools = []
    for size in (int(s) for s in args.pools.split(",") if s):
        for engine in engines:
            figure = asyncio.run(throughput(size, engine, snapshot, reference, args.checks))
            print(f"pool of {size} ({engine}): {figure}")
            pools.append(figure)
    out["pools"] = pools
    if len(engines) == 2:
        before, after = engines
        out["speedup_640"] = round(figures[before]["photo_640"]["median_ms"] / figures[after]["photo_640"]["median_ms"], 2)
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
