"""Evaluate the face pipeline on a folder of identity folders.

    python scripts/face_eval.py ../shared/faces [--pass-distance 0.45] [--review-distance 0.62]
                                                 [--province 440000] [--literal]

DIR/<person>/<n>.jpg: every folder is one person, except the folders named by --special
(default multi, noface, spoof, eyes as in shared/faces), which are run through the check and
listed but not paired. For every unordered pair of photos (a, b) the standard-photo path
(``FacePipeline.reference``) gives a's embedding and the check path gives b's decision at the
configured thresholds (settings FACE_* / FACE_THRESHOLDS for --province, then the flags).

The pipeline is deterministic, so each photo is analysed once and every pair is decided by the
same ``decide`` that ``FacePipeline.check`` ends with; ``--literal`` calls ``check`` for every
pair instead (same numbers, ~100 ms a pair). Timings: one full ``check`` per photo.

Prints the genuine and impostor distance/similarity distributions, the pairs in the review
band, false accepts and false rejects; the last line is JSON with genuine_pairs,
impostor_pairs, false_accepts (impostor pairs passed), false_rejects (genuine pairs not passed
at the passed threshold), review_pairs, median_ms, p95_ms and more.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
SPECIAL_DEFAULT = "multi,noface,spoof,eyes"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _summary(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<22} (none)"
    qs = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
    cells = " ".join(f"{_percentile(values, q):6.3f}" for q in qs)
    return f"  {name:<22} n={len(values):<4} {cells}"


def _histogram(genuine: list[float], impostor: list[float], lines: list[str], th: Any) -> None:
    lines.append("  distance   genuine  impostor")
    top = max([*genuine, *impostor, 1.0])
    step = 0.05
    edges = [round(i * step, 2) for i in range(int(top / step) + 2)]
    for lo, hi in itertools.pairwise(edges):
        g = sum(lo <= d < hi for d in genuine)
        i = sum(lo <= d < hi for d in impostor)
        if not g and not i:
            continue
        mark = " <- pass" if lo < th.pass_distance <= hi else (" <- review" if lo < th.review_distance <= hi else "")
        lines.append(f"  {lo:4.2f}-{hi:4.2f}  {g:7d}  {i:8d}  {'#' * min(g, 20):<21}{'.' * min(i, 20)}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--pass-distance", type=float)
    parser.add_argument("--review-distance", type=float)
    parser.add_argument("--province", default="", help="行政区划代码 for FACE_THRESHOLDS")
    parser.add_argument("--special", default=SPECIAL_DEFAULT, help="folders that are not identities")
    parser.add_argument("--embedder", choices=("auto", "onnx", "dlib"),
                        help="embedding engine (default: FACE_EMBEDDER)")
    parser.add_argument("--literal", action="store_true", help="call FacePipeline.check for every pair")
    args = parser.parse_args(argv)

    from server.config import Settings
    from server.errors import DomainError
    from server.face import FacePipeline, decide, thresholds_for
    from server.face.embed import as_vector

    settings = Settings.from_env()
    th = thresholds_for(args.province or None, settings)
    overrides = {k: v for k, v in (("pass_distance", args.pass_distance),
                                   ("review_distance", args.review_distance)) if v is not None}
    th = th.from_mapping(overrides, th)
    special = {s for s in args.special.split(",") if s}
    if not args.dir.is_dir():
        print(f"face_eval: {args.dir} is not a folder", file=sys.stderr)
        return 2
    people: dict[str, list[Path]] = {}
    extras: list[Path] = []
    for folder in sorted(p for p in args.dir.iterdir() if p.is_dir()):
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if folder.name in special:
            extras += photos
        elif photos:
            people[folder.name] = photos

    t0 = time.perf_counter()
    pipeline = FacePipeline(max_side=settings.FACE_MAX_SIDE, max_bytes=settings.FACE_MAX_IMAGE_BYTES,
                            max_pixels=settings.MAX_IMAGE_PIXELS, embedder=args.embedder or settings.FACE_EMBEDDER)
    load_ms = (time.perf_counter() - t0) * 1000
    lines = [f"face_eval: {args.dir} — {len(people)} identities, {sum(map(len, people.values()))} photos; "
             f"models loaded in {load_ms:.0f} ms; embedder {pipeline.embedder.engine}",
             f"thresholds: passed d <= {th.pass_distance} (similarity >= {th.pass_similarity}), "
             f"review d <= {th.review_distance} (similarity >= {th.review_similarity})"]
    photos = [p for ps in people.values() for p in ps]
    data = {p: p.read_bytes() for p in [*photos, *extras]}
    refs: dict[Path, bytes | None] = {}
    refused: dict[str, str] = {}
    analyses: dict[Path, Any] = {}
    check_ms: list[float] = []
    ref_ms: list[float] = []
    for ps in people.values():
        for p in ps:
            try:
                ref = pipeline.reference(data[p], th)
                refs[p] = ref.embedding
                ref_ms.append(ref.ms)
            except DomainError as exc:
                refs[p] = None
                refused[str(p.relative_to(args.dir))] = exc.code
            analyses[p] = pipeline.analyse(data[p], min_confidence=th.min_face_confidence)
            anchor = refs.get(ps[0]) or refs.get(p)
            if anchor is not None:
                check_ms.append(pipeline.check(data[p], anchor, th).ms)

    genuine: list[tuple[float | None, str, Path, Path]] = []
    impostor: list[tuple[float | None, str, Path, Path]] = []
    owner = {p: person for person, ps in people.items() for p in ps}
    for a, b in itertools.combinations(photos, 2):
        ref_a = refs[a]
        if ref_a is None:
            d, decision = None, "reference_refused"
        elif args.literal:
            r = pipeline.check(data[b], ref_a, th)
            d, decision = r.distance, r.decision
        else:
            r = decide(analyses[b], as_vector(ref_a), th)
            d, decision = r.distance, r.decision
        (genuine if owner[a] == owner[b] else impostor).append((d, decision, a, b))

    def rel(p: Path) -> str:
        return str(p.relative_to(args.dir))

    gd = [d for d, *_ in genuine if d is not None]
    idist = [d for d, *_ in impostor if d is not None]
    lines.append("distance d (lower = more alike)   min     p5     p25    median p75    p95    max")
    lines.append(_summary("genuine", gd))
    lines.append(_summary("impostor", idist))
    lines.append("similarity 0..1 (higher = more alike)")
    lines.append(_summary("genuine", [max(0.0, 1 - d / 1.2) for d in gd]))
    lines.append(_summary("impostor", [max(0.0, 1 - d / 1.2) for d in idist]))
    _histogram(gd, idist, lines, th)

    false_accepts = [x for x in impostor if x[1] == "passed"]
    false_rejects = [x for x in genuine if x[1] != "passed"]
    review = [x for x in [*genuine, *impostor] if x[1] == "review"]
    genuine_auto = [x for x in genuine if x[1] not in ("passed", "review")]
    impostor_review = [x for x in impostor if x[1] == "review"]
    for title, rows in (("false accepts (impostor passed)", false_accepts),
                        ("genuine not passed (review or refused)", false_rejects),
                        ("impostors sent to review", impostor_review)):
        lines.append(f"{title}: {len(rows)}")
        for d, decision, a, b in sorted(rows, key=lambda x: x[0] if x[0] is not None else 9.0):
            lines.append(f"    {rel(a)} ~ {rel(b)}  d={d if d is None else f'{d:.3f}'}  {decision}")
    if refused:
        lines.append(f"standard photos refused: {refused}")

    extra_results: dict[str, str] = {}
    for p in extras:
        try:
            anchor = next(iter(r for r in refs.values() if r is not None), None)
            r = pipeline.check(data[p], anchor or bytes(512), th)
            extra_results[rel(p)] = f"{r.decision} faces={r.faces} grey={r.grey_mean:.0f}/{r.grey_std:.0f}"
        except DomainError as exc:
            extra_results[rel(p)] = f"error {exc.code}"
    if extra_results:
        lines.append("other folders (checked against the first reference):")
        lines += [f"    {k}: {v}" for k, v in extra_results.items()]
    lines.append(f"latency per check (full check(), {len(check_ms)} photos): median {statistics.median(check_ms):.1f} ms, "
                 f"p95 {_percentile(check_ms, 0.95):.1f} ms; standard photo: median "
                 f"{statistics.median(ref_ms) if ref_ms else float('nan'):.1f} ms")
    print("\n".join(lines))
    summary = {
        "genuine_pairs": len(genuine), "impostor_pairs": len(impostor),
        "false_accepts": len(false_accepts), "false_rejects": len(false_rejects),
        "review_pairs": len(review), "review_genuine": len(review) - len(impostor_review),
        "review_impostor": len(impostor_review), "genuine_refused_automatically": len(genuine_auto),
        "median_ms": round(statistics.median(check_ms), 1) if check_ms else None,
        "p95_ms": round(_percentile(check_ms, 0.95), 1) if check_ms else None,
        "pass_distance": th.pass_distance, "review_distance": th.review_distance,
        "references_refused": len(refused), "literal": args.literal,
    }
    print(json.dumps(summary, ensure_ascii=False))
    pipeline.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
