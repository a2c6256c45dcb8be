"""What a site's tile grid costs and buys, per photo: detect time (wall and CPU, median of
`--repeat` runs after one warm-up) and heads found, without tiles and with 2x2 / 3x3.

    uv run python -m benchmarks.hazard_tiling [--repeat 5] [--threads 2]

Photos: bus.jpg as it is (810x1080, heads of about 60 px) and pasted at 1/2 and 1/4
scale into a plain 2048x1536 photo (tests/support/hazard_photos.far_bus), a crew seen from
afar. CPU time counts every onnxruntime thread, so it holds on a busy machine where
wall time stretches.
"""

from __future__ import annotations

import argparse
import statistics
import time

from PIL import Image

from inference.hazard import Tiling, default_detector
from tests.support.hazard_photos import BUS, far_bus

GRIDS = {
    "none": Tiling(enabled=False),
    "2x2": Tiling(True, 2, 2, 0.2, True),
    "3x3": Tiling(True, 3, 3, 0.2, True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    detector = default_detector(threads=args.threads)
    with Image.open(BUS) as im:
        photos = {"bus.jpg 810x1080": im.convert("RGB")}
    for scale in (0.5, 0.25):
        photos[f"bus x{scale} in 2048x1536"] = far_bus(scale)[0]
    print(f"{'photo':26} {'grid':5} {'wall ms':>8} {'cpu ms':>8} {'heads':>5} {'bare':>4} flagged")
    for name, photo in photos.items():
        for grid, tiling in GRIDS.items():
            result = detector.detect(photo, tiling=tiling)  # warm-up
            walls, cpus = [], []
            for _ in range(args.repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                result = detector.detect(photo, tiling=tiling)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
            bare = sum(d.hazard for d in result.detections)
            print(
                f"{name:26} {grid:5} {statistics.median(walls) * 1000:8.0f} "
                f"{statistics.median(cpus) * 1000:8.0f} {len(result.detections):5} {bare:4} "
                f"{result.flagged}"
            )


if __name__ == "__main__":
    main()
