"""A sustained face-check load on this machine, to run beside ``exam_load.py``.

    python scripts/bench/face_load.py --processes 2 --seconds 180

Keeps ``--processes`` face worker processes (``FacePool``, nice +5 as in the server) busy with
back-to-back checks of a 640 px photo for ``--seconds``: what the face pools of a 2-worker server
(FACE_POOL_SIZE=1 each) do when face checks arrive faster than they are served. It does not send the
pictures over HTTP (the uploads' re-encoding in the API process is not part of this load).
The last line is JSON: checks, checks_per_s, p50_ms, p99_ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from face_bench import DEFAULT_FACES, pct, sample_photos  # noqa: E402


async def run(processes: int, seconds: float, faces: Path) -> dict[str, float]:
    from server.services.face.pool import FacePool

    photo, snapshot = sample_photos(faces)
    pool = FacePool(processes, max_pending=processes * 4, timeout=600)
    try:
        await pool.warm_up()
        reference = (await pool.run_reference(photo)).embedding
        times: list[float] = []
        end = time.monotonic() + seconds

        async def loop() -> None:
            while time.monotonic() < end:
                t = time.perf_counter()
                await pool.run_check(snapshot, reference)
                times.append((time.perf_counter() - t) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(processes * 2)))
        took = time.monotonic() - started
    finally:
        pool.close()
    return {"checks": len(times), "checks_per_s": round(len(times) / took, 1), "p50_ms": round(pct(times, 0.5), 1),
            "p99_ms": round(pct(times, 0.99), 1), "processes": processes, "seconds": round(took, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--seconds", type=float, default=180)
    p.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    args = p.parse_args()
    print(json.dumps(asyncio.run(run(args.processes, args.seconds, args.faces))))


if __name__ == "__main__":
    main()
