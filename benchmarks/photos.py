"""Benchmark: ingesting a 12 MP phone photo, ours (``process_image``) against naive Pillow.

Both pipelines run in one process on the same upload bytes, taking turns photo by photo
(the order alternates each round) after a warm-up, so a noisy neighbour slows both alike:

* ``naive``: what a first version would do in the request thread: full decode,
  ``ImageOps.exif_transpose``, LANCZOS resize to at most 2048 px, JPEG quality 95;
* ``ours``: ``storage.images.process_image`` on its warm pool of decoder children: type
  sniffing, bomb and time bounds, JPEG draft decoding (or a whole-number box shrink)
  when it lands near the limit, orientation, sRGB, metadata stripped, baseline
  optimised JPEG at quality 65, plus a 320 px thumbnail and both sha256 sums (work the
  naive pipeline does not do), all across a process boundary;
* ``ours, new child per photo``: the same code with a child started and ended for
  every photo (``requests_per_child=1``): the design before the pool, for comparison;
* ``full-resolution decode alone``: the floor under naive (and under ours for HEIC,
  which libheif cannot decode at a reduced size).

Besides wall time (median and p95), the mean CPU time per photo is printed: this
process (all its threads) plus every child process (from getrusage and /proc, so Linux
only). On a shared machine wall times stretch with the load, CPU time much less.

Quality: SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, on
BT.601 luma, mean of the map over the valid region) of each output against a
full-quality reference of the same size: the upload fully decoded, turned upright and
resized with LANCZOS, never compressed. A quality sweep shows what other settings of
``ImageLimits.quality`` would store (bytes and SSIM) for the same photo.

Photos (tests/support/images.photo(), generated, nothing fetched): a 4000x3000 JPEG at quality
92 with EXIF orientation 6, capture time and GPS, about 2.9 MB like a phone's; and the
same scene as a 12 MP HEIC (x265 quality 60, preset "fast", about 2.9 MB; orientation 6
stored the way libheif writes it, as a rotation box). The script exits 1 if an output of
ours is not upright, bounded and free of EXIF/GPS.

Usage::

    uv run python -m benchmarks.photos [--runs 20] [--warmup 3] [--no-heic]
        [--qualities 55,65,75,85]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import PIL
import pillow_heif
from PIL import Image, ImageOps, features

from benchmarks.cpu import children_cpu_s
from storage.images import ImageLimits, ImageWorkers, process_image
from tests.support.images import encode, exif_block, gps_tags, photo

DEFAULT_RUNS = 20
DEFAULT_WARMUP = 3
DEFAULT_QUALITIES = (55, 65, 75, 85)
NAIVE_SIDE = 2048
NAIVE_QUALITY = 95
GOAL_SPEEDUP = 4.0
GOAL_BYTES = 300_000
GOAL_SSIM = 0.95

Luma = npt.NDArray[np.float64]

# ------------------------------------------------------------------------- SSIM

_SSIM_WINDOW = 11
_SSIM_SIGMA = 1.5
_SSIM_C1 = (0.01 * 255) ** 2
_SSIM_C2 = (0.03 * 255) ** 2


def luma(img: Image.Image) -> Luma:
    """BT.601 luma (what Wang et al.'s reference code measures), as floats 0..255."""
    rgb = np.asarray(img.convert("RGB"), dtype=np.float64)
    return np.asarray(rgb @ np.array([0.299, 0.587, 0.114]), dtype=np.float64)


def _gaussian() -> npt.NDArray[np.float64]:
    offsets = np.arange(_SSIM_WINDOW, dtype=np.float64) - _SSIM_WINDOW // 2
    kernel = np.exp(-(offsets**2) / (2 * _SSIM_SIGMA**2))
    return np.asarray(kernel / kernel.sum(), dtype=np.float64)


def _window_means(values: Luma, kernel: npt.NDArray[np.float64]) -> Luma:
    """Gaussian-weighted mean of every full 11x11 window ("valid" filtering).

    The 2-D Gaussian is separable: weight rows, then columns, one shifted slice at a
    time, which needs no more memory than the image itself.
    """
    n = kernel.size
    rows = values.shape[0] - n + 1
    down: Luma = sum((kernel[k] * values[k : k + rows] for k in range(n)), np.zeros(1))
    cols = values.shape[1] - n + 1
    across: Luma = sum((kernel[k] * down[:, k : k + cols] for k in range(n)), np.zeros(1))
    return across


def ssim(x: Luma, y: Luma) -> float:
    """Mean structural similarity of two same-sized luma planes (1.0 when identical)."""
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"SSIM needs two planes of one size, got {x.shape} and {y.shape}")
    if min(x.shape) < _SSIM_WINDOW:
        raise ValueError(f"SSIM needs at least {_SSIM_WINDOW} px in each direction")
    kernel = _gaussian()
    mu_x, mu_y = _window_means(x, kernel), _window_means(y, kernel)
    var_x = _window_means(x * x, kernel) - mu_x**2
    var_y = _window_means(y * y, kernel) - mu_y**2
    cov = _window_means(x * y, kernel) - mu_x * mu_y
    similarity = ((2 * mu_x * mu_y + _SSIM_C1) * (2 * cov + _SSIM_C2)) / (
        (mu_x**2 + mu_y**2 + _SSIM_C1) * (var_x + var_y + _SSIM_C2)
    )
    return float(similarity.mean())


# --------------------------------------------------------------------- pipelines


def _opened(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def naive(data: bytes) -> bytes:
    """Full decode, exif_transpose, LANCZOS to 2048 px, quality-95 JPEG."""
    img = ImageOps.exif_transpose(_opened(data))
    if img.mode != "RGB":
        img = img.convert("RGB")
    scale = min(1.0, NAIVE_SIDE / max(img.size))
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    out = io.BytesIO()
    img.resize(size, Image.Resampling.LANCZOS).save(out, format="JPEG", quality=NAIVE_QUALITY)
    return out.getvalue()


def decode_only(data: bytes) -> bytes:
    """The floor under naive: decoding every pixel, nothing else (no output)."""
    _opened(data)
    return b""


def reference(data: bytes, size: tuple[int, int]) -> Image.Image:
    """The full-quality picture at `size`: full decode, upright, LANCZOS, uncompressed."""
    upright = ImageOps.exif_transpose(_opened(data)).convert("RGB")
    return upright.resize(size, Image.Resampling.LANCZOS)


def similarity(data: bytes, output: bytes) -> float:
    out = _opened(output)
    return ssim(luma(reference(data, out.size)), luma(out))


# ------------------------------------------------------------------------ photos


@dataclass(frozen=True)
class Upload:
    label: str
    data: bytes
    # Upright size of the original: orientation 6 turns the 4000x3000 sensor image.
    upright: tuple[int, int]


def make_uploads(heic: bool) -> list[Upload]:
    scene = photo()
    exif = exif_block(
        orientation=6, taken="2025:03:14 09:26:53", offset="+08:00", gps=gps_tags(31.2304, 121.4737)
    )
    jpeg = encode(scene, "JPEG", quality=92, exif=exif)
    uploads = [Upload(f"JPEG 4000x3000 q92, EXIF 6 + GPS ({len(jpeg):,} B)", jpeg, (3000, 4000))]
    if heic:
        data = encode(scene, "HEIF", quality=60, enc_params={"preset": "fast"}, exif=exif)
        uploads.append(Upload(f"HEIC 4000x3000 q60, rotated ({len(data):,} B)", data, (3000, 4000)))
    return uploads


def check_ours(upload: Upload, output: bytes) -> list[str]:
    """Why our output is not a fair entry (empty when it is)."""
    problems: list[str] = []
    out = _opened(output)
    if max(out.size) > NAIVE_SIDE:
        problems.append(f"{out.size} is over {NAIVE_SIDE} px")
    if (out.width > out.height) != (upload.upright[0] > upload.upright[1]):
        problems.append(f"{out.size} is not upright (the original is {upload.upright})")
    if out.getexif() or b"Exif" in output or b"GPS" in output:
        problems.append("metadata left in the file")
    return problems


# ----------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: list[float]
    cpu_seconds: float
    output: bytes

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / len(self.seconds) * 1000

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        return _percentile(sorted(self.seconds), 95) * 1000


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * pct / 100.0
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


Pipeline = Callable[[bytes], bytes]


def _cpu_s() -> float:
    """CPU used so far by this process (all threads: libheif decodes on several) and by
    every child process."""
    return time.process_time() + children_cpu_s()


def time_pipelines(
    data: bytes, pipelines: dict[str, Pipeline], runs: int, warmup: int
) -> list[Timing]:
    names = list(pipelines)
    for _ in range(warmup):
        for name in names:
            pipelines[name](data)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, float] = dict.fromkeys(names, 0.0)
    outputs: dict[str, bytes] = {}
    for i in range(runs):
        # Rotate who goes first, so none always runs on the warmest cache.
        for name in names[i % len(names) :] + names[: i % len(names)]:
            cpu_before = _cpu_s()
            started = time.perf_counter()
            outputs[name] = pipelines[name](data)
            seconds[name].append(time.perf_counter() - started)
            cpu[name] += _cpu_s() - cpu_before
    return [Timing(name, seconds[name], cpu[name], outputs[name]) for name in names]


# ----------------------------------------------------------------------- report


def _dims(data: bytes) -> str:
    width, height = _opened(data).size
    return f"{width}x{height}"


def _machine() -> str:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return (
        f"nproc={cores}, {cpu}, Python {platform.python_version()}, Pillow "
        f"{PIL.__version__} (libjpeg-turbo {features.version('libjpeg_turbo')}), "
        f"pillow-heif {pillow_heif.__version__} (libheif {pillow_heif.libheif_version()})"
    )


def _load() -> str:
    try:
        return "/".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.photos",
        description="Time 12 MP photo ingest: process_image against naive Pillow.",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="default: %(default)s")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="default: %(default)s")
    parser.add_argument("--no-heic", action="store_true", help="only the JPEG")
    parser.add_argument(
        "--qualities",
        default=",".join(map(str, DEFAULT_QUALITIES)),
        help="quality sweep for ours (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    qualities = [int(q) for q in args.qualities.split(",") if q.strip()]
    if args.runs < 1 or args.warmup < 0 or not all(1 <= q <= 95 for q in qualities):
        parser.error("--runs >= 1, --warmup >= 0, qualities within 1..95")

    pillow_heif.register_heif_opener()
    started = time.monotonic()
    uploads = make_uploads(heic=not args.no_heic)
    setup_s = time.monotonic() - started
    load_before = _load()

    cold = time.perf_counter()
    process_image(uploads[0].data)
    cold_ms = (time.perf_counter() - cold) * 1000

    one_shot = ImageWorkers(1, requests_per_child=1)
    pipelines: dict[str, Pipeline] = {
        "naive": naive,
        "ours (warm pool)": lambda data: process_image(data).full.data,
        "ours, new child per photo": lambda data: one_shot.process(data).full.data,
        "(full-resolution decode alone)": decode_only,
    }
    lines = [
        f"### Photo ingest, 12 MP: ours (`process_image`) vs naive Pillow, {args.runs} runs "
        f"each after {args.warmup} warm-up",
        "",
        "| photo | pipeline | median ms | p95 ms | CPU ms | output | bytes out | SSIM |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    sweeps: list[str] = []
    failures: list[str] = []
    goals: list[str] = []
    try:
        for upload in uploads:
            timings = time_pipelines(upload.data, pipelines, args.runs, args.warmup)
            by_name = {t.label: t for t in timings}
            base, ours = by_name["naive"], by_name["ours (warm pool)"]
            failures += [f"{upload.label}: {p}" for p in check_ours(upload, ours.output)]
            first = True
            for timing in timings:
                result = (
                    f"{_dims(timing.output)} | {len(timing.output):,} | "
                    f"{similarity(upload.data, timing.output):.4f}"
                    if timing.output
                    else "- | - | -"
                )
                lines.append(
                    f"| {upload.label if first else ''} | {timing.label} | "
                    f"{timing.median_ms:.1f} | {timing.p95_ms:.1f} | {timing.cpu_ms:.1f} | "
                    f"{result} |"
                )
                first = False
            speedup = base.median_ms / ours.median_ms
            lines.append(
                f"| | **naive / ours (warm)** | **{speedup:.2f}x** | "
                f"**{base.p95_ms / ours.p95_ms:.2f}x** | **{base.cpu_ms / ours.cpu_ms:.2f}x** | | "
                f"**{len(base.output) / len(ours.output):.2f}x** | |"
            )
            ours_ssim = similarity(upload.data, ours.output)
            goals.append(
                f"- {upload.label}: >= {GOAL_SPEEDUP:g}x faster: "
                f"{'yes' if speedup >= GOAL_SPEEDUP else 'NO'} ({speedup:.2f}x); "
                f"< {GOAL_BYTES:,} B: {'yes' if len(ours.output) < GOAL_BYTES else 'NO'} "
                f"({len(ours.output):,}); SSIM >= {GOAL_SSIM}: "
                f"{'yes' if ours_ssim >= GOAL_SSIM else 'NO'} ({ours_ssim:.4f})"
            )
            for quality in qualities:
                out = process_image(upload.data, ImageLimits(quality=quality)).full.data
                sweeps.append(
                    f"| {upload.label.split(' ')[0]} | {quality} | {len(out):,} | "
                    f"{similarity(upload.data, out):.4f} |"
                )
    finally:
        one_shot.close()

    lines += [
        "",
        "Goals (issue 4):",
        *goals,
        "",
        "Quality sweep of ours (`ImageLimits(quality=q)`; the shipped setting is "
        f"{ImageLimits().quality}):",
        "",
        "| photo | quality | bytes out | SSIM |",
        "|---|---:|---:|---:|",
        *sweeps,
        "",
        "- SSIM: Gaussian 11x11 window, sigma 1.5, K1 0.01, K2 0.03, BT.601 luma, against the "
        "upload fully decoded, turned upright and LANCZOS-resized to the output's size, "
        "uncompressed",
        "- timing: wall clock per photo in the calling thread (ours: request, decode in the "
        "child, reply, checks and sha256; ours also makes a 320 px thumbnail, naive does not); "
        "pipelines alternate photo by photo. CPU ms: mean CPU time per photo of this process "
        "(all threads) plus all child processes (start-up and exit of a child included), which a "
        "busy machine stretches much less than wall time",
        f"- first call of ours after start (child interpreter start included): {cold_ms:.0f} ms",
        f"- machine: {_machine()}; load average {load_before} before, {_load()} after; "
        f"photo generation {setup_s:.1f}s",
    ]
    print("\n".join(lines))
    if failures:
        print("\nFAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print(f"\n(total run time {time.monotonic() - started:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
