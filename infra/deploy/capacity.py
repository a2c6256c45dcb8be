"""The per-item CPU costs that docs/scaling.md multiplies out, measured on this machine.

    uv run python -m infra.deploy.capacity [--rounds 20]

* face check: ``inference.face.encode_face`` on a 640 px selfie as the PWA sends it (the
  real shared faces, obama2/obama3 alternating), which is the CPU a punch costs the API
  beyond its queries (decode, HOG detect, landmarks, the 128-d encoding);
* hazard check: the shipped int8 model (``default_detector``) on the shared hazard photos,
  with one onnxruntime thread, so CPU ms equals core-ms and photos/core/s can be read off;
* photo ingest: ``storage.images`` normalising a 1600 px phone-compressed JPEG (what the
  PWA uploads) into the stored copy and thumbnail, in its decode child (CPU read from the
  child's /proc entry), which the API pays per inspection photo;
* the selfie's size in bytes (what S3 stores per punch) and the photo's stored sizes;
* peak resident memory of a process holding the face models and the hazard model.

CPU time (``time.process_time``) rather than wall time: the machine is shared, and CPU
time per item is what the capacity arithmetic needs.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from inference.face import encode_face, warm_up
from inference.hazard.detector import default_detector
from storage.images import ImageWorkers

REPO = Path(__file__).resolve().parents[2]
FACES = REPO / "tests" / "data" / "faces"
HAZARD_PHOTOS = [REPO.parent / "shared" / "data" / "hazard" / n for n in ("bus.jpg", "zidane.jpg")]


def as_pwa_sends(path: Path, side: int, quality: int) -> bytes:
    """The photo scaled to `side` px on its long side and saved as JPEG, as the PWA does
    before upload: selfies at 640 px q85 (pwa/src/screens/punch.ts), photos ~1600 px."""
    with Image.open(path) as img:
        rgb = img.convert("RGB")
    scale = side / max(rgb.size)
    scaled = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)))
    buf = io.BytesIO()
    scaled.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def child_cpu_s(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_ms(work: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        t0 = time.process_time()
        work()
        samples.append((time.process_time() - t0) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{name:<34} n={len(samples):>3}  CPU ms p50 {statistics.median(samples):7.1f}"
        f"  mean {statistics.fmean(samples):7.1f}  p95 {p95:7.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}  load average {os.getloadavg()[0]:.2f} (1 min)")

    warm_up(1)
    selfies = [as_pwa_sends(FACES / f"{n}.jpg", 640, 85) for n in ("obama2", "obama3")]
    print(f"selfie bytes (640 px, q85): {', '.join(str(len(s)) for s in selfies)}")
    turn = iter(range(10**9))
    report(
        "face check (encode_face, 640 px)",
        cpu_ms(lambda: encode_face(selfies[next(turn) % 2]), args.rounds),
    )

    print(f"peak RSS with the face models: {rss_mb():.0f} MB")

    workers = ImageWorkers(1)
    upload = as_pwa_sends(HAZARD_PHOTOS[0], 1600, 80)
    stored = workers.process(upload)  # starts the child
    pids = workers.idle_pids()
    print(
        f"photo upload {len(upload)} bytes -> stored {len(stored.full.data)}"
        f" + thumbnail {len(stored.thumb.data)} bytes"
    )
    samples = []
    for _ in range(args.rounds):
        before = child_cpu_s(pids)
        workers.process(upload)
        samples.append((child_cpu_s(pids) - before) * 1000)
    report("photo ingest (1600 px, child)", samples)
    workers.close()

    detector = default_detector(threads=1)
    photos = []
    for path in HAZARD_PHOTOS:
        with Image.open(path) as img:
            photos.append(img.convert("RGB"))
    detector.detect(photos[0])  # warm-up: first run allocates onnxruntime's arenas
    turn = iter(range(10**9))
    report(
        "hazard check (int8 480, 1 thread)",
        cpu_ms(lambda: detector.detect(photos[next(turn) % len(photos)]), args.rounds),
    )
    print(f"peak RSS with face and hazard models: {rss_mb():.0f} MB")
    print(f"load average after {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
