"""Benchmark: hazard detection per photo, ours (inference.hazard) against Ultralytics' own
PyTorch `predict` on the same weights, and fp32 against the shipped int8 model.

What runs, in one process, on the same decoded photos (decoding is not timed):

* ``ultralytics``: ``YOLO(helmet .pt).predict(photo, imgsz=640, conf=0.25, iou=0.45)``,
  PyTorch on the CPU; latency split from Ultralytics' own ``Results.speed``;
* ``ours 640 fp32``: the same weights exported to ONNX (../shared/models/helmet_yolov12_640.onnx)
  through HazardDetector, with Ultralytics' class-aware NMS so the output is comparable;
* ``ours 480 fp32`` / ``ours 480 int8 (tool)``: optional files made by tools/hazard_model from
  the same weights (``--fp32-480``, ``--int8-480``), to show what int8 alone buys;
* ``ours 640 fp32 rect``: optional (``--fp32-rect``), the same weights exported with dynamic
  height/width (``tools/hazard_model export --imgsz 640 --dynamic``): padded only to the
  stride like Ultralytics' default predict, and checked for parity against it;
* ``ours shipped 480 int8``: ``default_detector()``, the fine-tuned model the product runs.

``--parallel`` adds a backlog phase: photos per minute of one worker running one thread per
photo and one photo per core (``SITECHECK_HAZARD_THREADS=1``), alternating with Ultralytics'
default predict one photo at a time.

Every engine gets the same number of threads (``--threads``, default 2 = this machine's cores:
``torch.set_num_threads`` and onnxruntime's intra-op pool). Engines take turns photo by photo
after a warm-up, so a noisy neighbour slows all of them alike. "photos/min/worker" is 60 000
divided by the mean per-photo time of one worker process running photos one after another.
"CPU ms" is the process's CPU time per photo (all its threads): on a busy machine wall
times stretch, CPU time much less, and the 1-minute load average is printed for that reason.
Parity: our 640 detections must match Ultralytics' live ones on every photo (same labels,
IoU >= 0.9, score within 0.02); the script exits 1 otherwise.

Setup (a separate environment: torch never enters the project's)::

    tools/make_torch_venv.sh /tmp/bench-venv      # torch 2.13.0 CPU, ultralytics 8.4.190
    /tmp/bench-venv/bin/python -m benchmarks.hazards \
        [--checkpoint VENV/weights/helmet_best.pt] [--rounds 15] [--threads 2] \
        [--fp32-rect helmet_640_dynamic.onnx] [--parallel] \
        [--fp32-480 helmet_480.onnx --int8-480 helmet_480.int8qdq.onnx]

What Ultralytics really needs for ``predict`` here: torch, numpy, opencv (headless is
enough), pillow, pyyaml, requests, psutil, polars, ultralytics-thop, matplotlib (imported by
its plotting utilities at module level). torchvision is declared but only its version string
is read at import; its NMS is used only for streams, > 1000 images or validation, and there is
no CPU build of it for torch 2.13 (the CUDA wheel's native ops fail to register on CPU torch).
So the environment installs torchvision with --no-deps for the metadata and
tools/hazard_model/legacy_yolov12.py registers a stub whose ``ops.nms`` is Ultralytics' own
torch NMS. The helmet checkpoint was trained with the YOLOv12 fork; the same module patches
its legacy area attention so current Ultralytics can run it (../shared/models/recipe).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from inference.hazard import HazardDetector, default_detector
from inference.hazard.model import available_cores
from inference.hazard.postprocess import box_iou

REPO = Path(__file__).resolve().parent.parent
SHARED_MODELS = REPO.parent / "shared" / "models"
REFERENCE_ONNX = SHARED_MODELS / "helmet_yolov12_640.onnx"
# tools/make_torch_venv.sh puts the helmet checkpoint inside the environment it builds.
DEFAULT_CHECKPOINT = Path(sys.prefix) / "weights" / "helmet_best.pt"
PHOTOS = [
    REPO / "tests" / "data" / "hazard" / "bus.jpg",
    REPO / "tests" / "data" / "hazard" / "zidane.jpg",
]
EXTRA_PHOTOS = REPO.parent / "shared" / "data" / "faces"

RGB = npt.NDArray[np.uint8]
Found = list[tuple[str, float, tuple[float, float, float, float]]]


@dataclass
class Engine:
    name: str
    run: Callable[[RGB], tuple[Found, dict[str, float]]]
    total_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    parts_ms: dict[str, list[float]] = field(default_factory=dict)
    found: dict[int, Found] = field(default_factory=dict)


def _ours(detector: HazardDetector) -> Callable[[RGB], tuple[Found, dict[str, float]]]:
    def run(photo: RGB) -> tuple[Found, dict[str, float]]:
        result = detector.detect(photo)
        found = [(d.label, d.score, d.box) for d in result.detections]
        return found, result.timings_ms

    return run


def _class_aware_detector(model: Path, threads: int) -> HazardDetector:
    """Our detector on an arbitrary export, configured like Ultralytics' predict."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    policy = Path(tempfile.mkdtemp()) / f"{model.stem}.toml"
    policy.write_text(
        f'model_sha256 = "{digest}"\nconf = 0.25\niou = 0.45\nagnostic_nms = false\n'
        '[classes."Without Helmet"]\nrole = "hazard"\nthreshold = 0.5\n'
    )
    return HazardDetector.load(model, policy, threads=threads)


def _ultralytics(
    checkpoint: Path, threads: int, *, rect: bool
) -> Callable[[RGB], tuple[Found, dict[str, float]]]:
    """`rect=False`: square 640 input, as the parity reference was made; `rect=True`:
    Ultralytics' own default, padding only to a multiple of the stride (less to compute)."""
    # Imported by name: torch and ultralytics exist only in the benchmark environment.
    legacy = importlib.import_module("tools.hazard_model.legacy_yolov12")
    legacy.prepare(threads)
    yolo: Any = importlib.import_module("ultralytics").YOLO(str(checkpoint))

    def run(photo: RGB) -> tuple[Found, dict[str, float]]:
        bgr = np.ascontiguousarray(photo[:, :, ::-1])  # Ultralytics takes OpenCV's BGR arrays
        r = yolo.predict(
            bgr, imgsz=640, conf=0.25, iou=0.45, rect=rect, device="cpu", verbose=False
        )[0]
        found: Found = [
            (r.names[int(c)], float(s), (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
            for b, c, s in zip(
                r.boxes.xyxy.tolist(), r.boxes.cls.tolist(), r.boxes.conf.tolist(), strict=True
            )
        ]
        speed = r.speed
        return found, {
            "pre": speed["preprocess"],
            "infer": speed["inference"],
            "post": speed["postprocess"],
        }

    return run


def _load(path: Path) -> RGB:
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def _matches(
    ours: Found, theirs: Found, conf: float = 0.25, slack: float = 0.02
) -> tuple[bool, float]:
    """Same labels, IoU >= 0.9, scores within `slack`; a detection scored within `slack` of
    the confidence floor may be missing on the other side (it sits on the cut-off)."""
    left = list(theirs)
    worst = 0.0
    for label, score, box in ours:
        same = [t for t in left if t[0] == label and box_iou(box, t[2]) >= 0.9]
        if same:
            twin = min(same, key=lambda t: abs(t[1] - score))
            left.remove(twin)
            worst = max(worst, abs(score - twin[1]))
        elif score >= conf + slack:
            return False, float("inf")
    if any(t[1] >= conf + slack for t in left):
        return False, float("inf")
    return worst <= slack, worst


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    ap.add_argument("--reference-onnx", type=Path, default=REFERENCE_ONNX)
    ap.add_argument(
        "--fp32-rect",
        type=Path,
        help="the same weights exported with dynamic height/width "
        "(tools/hazard_model export --imgsz 640 --dynamic): rect inputs like Ultralytics",
    )
    ap.add_argument(
        "--parallel",
        action="store_true",
        help="also measure a worker's throughput with one thread per photo and as many "
        "photos at once as cores (SITECHECK_HAZARD_THREADS=1) against Ultralytics' default",
    )
    ap.add_argument("--fp32-480", type=Path)
    ap.add_argument("--int8-480", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--no-ultralytics", action="store_true", help="ours only")
    a = ap.parse_args(argv)

    photos = PHOTOS + (sorted(EXTRA_PHOTOS.glob("*.jpg")) if EXTRA_PHOTOS.is_dir() else [])
    images = [_load(p) for p in photos]
    engines: list[Engine] = []
    if not a.no_ultralytics:
        square = _ultralytics(a.checkpoint, a.threads, rect=False)
        engines.append(Engine("ultralytics predict 640 square (PyTorch)", square))
        default = _ultralytics(a.checkpoint, a.threads, rect=True)
        engines.append(Engine("ultralytics predict 640 default rect (PyTorch)", default))
    ours_640 = Engine(
        "ours 640 fp32 (same weights)", _ours(_class_aware_detector(a.reference_onnx, a.threads))
    )
    engines.append(ours_640)
    ours_rect: Engine | None = None
    if a.fp32_rect:
        ours_rect = Engine(
            "ours 640 fp32 rect (same weights, dynamic export)",
            _ours(_class_aware_detector(a.fp32_rect, a.threads)),
        )
        engines.append(ours_rect)
    if a.fp32_480:
        engines.append(
            Engine(
                "ours 480 fp32 (same weights)", _ours(_class_aware_detector(a.fp32_480, a.threads))
            )
        )
    if a.int8_480:
        engines.append(
            Engine(
                "ours 480 int8 QDQ (same weights)",
                _ours(_class_aware_detector(a.int8_480, a.threads)),
            )
        )
    engines.append(
        Engine("ours shipped 480 int8 (fine-tuned)", _ours(default_detector(threads=a.threads)))
    )

    load_before = os.getloadavg()
    for engine in engines:
        for i, image in enumerate(images):
            for _ in range(a.warmup):
                engine.found[i], _ = engine.run(image)
    for _ in range(a.rounds):
        for image in images:
            for engine in engines:
                t0, c0 = time.perf_counter(), time.process_time()
                _, parts = engine.run(image)
                engine.total_ms.append((time.perf_counter() - t0) * 1000)
                engine.cpu_ms.append((time.process_time() - c0) * 1000)
                for key, value in parts.items():
                    engine.parts_ms.setdefault(key, []).append(value)

    print(
        f"# Hazard detection per photo ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {a.threads} threads per engine, {len(images)} photos x "
        f"{a.rounds} rounds, python {platform.python_version()})\n"
    )
    load_after = os.getloadavg()
    # Other work on the machine slows every engine; the load average says how much there was.
    print(
        f"1-minute load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        f"({os.cpu_count()} cores; above that, engines were waiting for a core)\n"
    )
    base = engines[0]
    base_rate = 60_000 / statistics.fmean(base.total_ms)
    print(
        f"| engine | pre p50 ms | infer p50 ms | post p50 ms | total p50 ms | total p90 ms "
        f"| CPU ms p50 | photos/min/worker | x vs {base.name.split(' (')[0]} |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in engines:
        rate = 60_000 / statistics.fmean(e.total_ms)
        print(
            f"| {e.name} | {_median(e.parts_ms.get('pre', [])):.1f} | "
            f"{_median(e.parts_ms.get('infer', [])):.1f} | "
            f"{_median(e.parts_ms.get('post', [])):.1f} | {_median(e.total_ms):.1f} | "
            f"{_pct(e.total_ms, 90):.1f} | {_median(e.cpu_ms):.0f} | {rate:.0f} | "
            f"{rate / base_rate:.2f} |"
        )

    ok = True
    if not a.no_ultralytics:
        # Square against square (the parity reference's mode), rect against Ultralytics'
        # own default rect: the same letterbox on both sides of each pair.
        pairs = [(ours_640, engines[0])]
        if ours_rect is not None:
            pairs.append((ours_rect, engines[1]))
        for mine, theirs in pairs:
            worst = 0.0
            pair_ok = True
            for i in range(len(images)):
                same, diff = _matches(mine.found[i], theirs.found[i])
                pair_ok &= same
                worst = max(worst, diff)
                if not same:
                    print(
                        f"\nPARITY FAIL on {photos[i].name}: "
                        f"{mine.name} {mine.found[i]} vs {theirs.name} {theirs.found[i]}"
                    )
            ok &= pair_ok
            print(
                f"\nParity, {mine.name} vs {theirs.name}, live on {len(images)} photos: "
                f"{'ok' if pair_ok else 'FAILED'} (same labels, IoU >= 0.9; largest score "
                f"difference {worst:.4f})"
            )
    if a.fp32_480 and a.int8_480:
        fp32, int8 = engines[-3], engines[-2]  # appended last, before the shipped one
        diffs = [
            abs(x[1] - y[1])
            for i in range(len(images))
            for x in fp32.found[i]
            for y in int8.found[i]
            if x[0] == y[0] and box_iou(x[2], y[2]) >= 0.5
        ]
        same_count = sum(len(fp32.found[i]) == len(int8.found[i]) for i in range(len(images)))
        print(
            "int8 vs fp32 at 480 (same weights): same detection count on "
            f"{same_count}/{len(images)} "
            f"photos; matched scores differ by at most {max(diffs, default=0.0):.3f}"
        )
    shipped = engines[-1]
    p50 = _median(shipped.total_ms)
    print(f"Shipped model p50 {p50:.1f} ms (goal < 200 ms): {'ok' if p50 < 200 else 'MISSED'}")
    if not a.no_ultralytics:
        mean = {e.name: statistics.fmean(e.total_ms) for e in engines}
        for theirs in engines[:2]:
            for ours in [e for e in (ours_640, ours_rect, shipped) if e is not None]:
                ratio = mean[theirs.name] / mean[ours.name]
                print(f"Throughput {ours.name} / {theirs.name}: {ratio:.2f}x (goal >= 2x)")
    if a.parallel and not a.no_ultralytics:
        _print_throughput(a, images, engines[1], a.fp32_rect or a.reference_onnx)
    return 0 if ok else 1


def _print_throughput(
    a: argparse.Namespace, images: list[RGB], theirs: Engine, model: Path
) -> None:
    """Photos per minute of one worker with a backlog: Ultralytics' predict one photo after
    another (all threads on each), against ours with one thread per photo and one photo
    per core at once (a session's `run` is thread-safe). Rounds alternate, so load that
    comes and goes slows both alike."""
    cores = available_cores()
    detector = _class_aware_detector(model, 1)
    ours = _ours(detector)
    batch = images * cores  # enough photos to keep every core busy
    spent = {"theirs": 0.0, "ours": 0.0}
    with ThreadPoolExecutor(max_workers=cores) as pool:
        list(pool.map(ours, images))  # warm-up: one session, threads started
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            for image in batch:
                theirs.run(image)
            spent["theirs"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            list(pool.map(ours, batch))
            spent["ours"] += time.perf_counter() - t0
    photos = len(batch) * a.rounds
    rate = {k: 60 * photos / v for k, v in spent.items()}
    print(
        f"\n## A worker with a backlog: photos per minute ({photos} photos each, {cores} cores)\n"
    )
    print("| engine | photos/min/worker | x vs Ultralytics |")
    print("| --- | ---: | ---: |")
    print(f"| {theirs.name}, one photo at a time | {rate['theirs']:.0f} | 1.00 |")
    print(
        f"| ours {model.name}, 1 thread per photo, {cores} at once | {rate['ours']:.0f} | "
        f"{rate['ours'] / rate['theirs']:.2f} |"
    )


if __name__ == "__main__":
    sys.exit(main())
