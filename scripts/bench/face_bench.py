"""Face check latency and throughput on this machine.

    python scripts/bench/face_bench.py [--faces ../shared/faces] [-n 30] [--checks 40] [--pools 1,2]

1. Latency of ``FacePipeline.check`` in this process: a 640 px photo, and a phone-size JPEG
   (the same photo upscaled to 4000x3000 with a little sensor-like noise, 2–3 MB).
2. Throughput of ``FacePool`` with 1 and 2 worker processes: ``--checks`` concurrent checks
   awaited from an event loop, while a 10 ms ticker on that loop measures how late it wakes
   (what an answer save would wait).
The last line is JSON.
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

import numpy as np
from PIL import Image

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
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(pct(times, 0.95), 1)}


async def throughput(size: int, image: bytes, reference: bytes, checks: int) -> dict[str, float]:
    from server.services.face.pool import FacePool

    pool = FacePool(size, max_pending=checks + 1, timeout=600)
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
        return {"processes": size, "checks": checks, "seconds": round(wall, 2),
                "checks_per_s": round(checks / wall, 2),
                "loop_lag_p99_ms": round(pct(lags, 0.99), 1), "loop_lag_max_ms": round(max(lags), 1)}
    finally:
        pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("-n", type=int, default=30, help="checks per latency figure")
    parser.add_argument("--checks", type=int, default=40, help="checks per throughput figure")
    parser.add_argument("--pools", default="1,2")
    args = parser.parse_args()

    from server.face import FacePipeline

    standard, snapshot = sample_photos(args.faces)
    phone = phone_jpeg(snapshot)
    out: dict[str, object] = {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    t = time.perf_counter()
    pipeline = FacePipeline()
    out["load_ms"] = round((time.perf_counter() - t) * 1000)
    reference = pipeline.reference(standard).embedding
    with Image.open(io.BytesIO(snapshot)) as img:
        out["photo_640"] = {"size": list(img.size), "bytes": len(snapshot), **latency(pipeline, snapshot, reference, args.n)}
    out["phone_jpeg"] = {"size": [4000, 3000], "bytes": len(phone), **latency(pipeline, phone, reference, args.n)}
    print(f"640 px photo: {out['photo_640']}")
    print(f"phone JPEG:   {out['phone_jpeg']}")
    pipeline.close()
    pools = []
    for size in (int(s) for s in args.pools.split(",") if s):
        figure = asyncio.run(throughput(size, snapshot, reference, args.checks))
        print(f"pool of {size}: {figure}")
        pools.append(figure)
    out["pools"] = pools
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
