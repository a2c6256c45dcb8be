"""One face in, one 128-d encoding out: dlib's HOG detector, 5-point landmarks and ResNet.

These are the models that face_recognition 1.3 uses by default (`face_locations` with
HOG, `face_encodings` with the "small" 5-point predictor and one jitter), loaded
straight from the face_recognition_models package folder: importing that package (or
face_recognition) runs `pkg_resources`, which warns on every start and is slated for
removal, and face_recognition also switches Pillow's LOAD_TRUNCATED_IMAGES on for the
whole process. Neither is imported here.

`encode_face` is blocking; async callers run it in a worker thread. Measured on this
machine (2 cores, the shared faces, tools in benchmarks/attendance.py):

- Size for detection: the long side is brought to `detect_side` = 640 px before the HOG
  detector runs. Detection costs ~15-35 ms at 640 px with no upsampling, against
  ~55-100 ms with one upsampling step and 40-240 ms on the full 1-3 MP originals, while
  the encodings barely move (obama2/obama3 vs obama: 0.366/0.323 at 640 px, 0.356/0.328
  on the originals; biden 0.856 vs 0.853), because the ResNet always looks at a
  150x150 chip and a selfie's face is far larger than that at 640 px.
- Upsampling: HOG finds faces down to ~80 px without it, i.e. 1/8 of a 640 px photo.
  When it finds none, detection runs once more with one upsampling step (~40 px faces),
  so only photos with no face or a far-away face pay the extra ~60 ms.
- Encoding is ~75 ms per face (dlib-bin is built without BLAS) and holds the GIL for the
  whole call; the detector and Pillow release it. So one process encodes one face at a
  time whatever its thread count: the API scales this by running one process per core.

Decoding (where the untrusted bytes are parsed): storage/images.py decodes photos in a
killable child interpreter, because a hostile file can keep a decoder busy for a long
time (thousands of progressive scans, HEIF grids) and nothing stops a C decoder inside
a thread. The child costs ~70 ms of interpreter start alone, half the selfie budget,
and a 12 MP JPEG took ~110 ms through it against ~14 ms in-process (measured here,
medians of 7). What makes the child necessary does not apply to the two most common
cases, whose decode cost is linear in bytes and pixels, both checked before decoding:

- inline (in this process, in the worker thread): baseline (sequential) JPEG, what
  browsers' canvas encoders and most Android cameras write, up to `max_bytes` and
  `max_pixels`; libjpeg scales by 1/2-1/8 while decoding (draft), so even a 50 MP frame
  is decoded into at most ~1 MP of memory (a 48 MP, 20 MB JPEG of noise, about the
  worst a 25 MB upload can be, decodes in ~150 ms); and PNG up to `png_max_bytes` and
  `png_max_pixels` (PNG has no scaled decoding, so it is held to a selfie's size);
- isolated (the image_child.py child, with its timeout, CPU and core limits): everything
  else that is accepted at all, i.e. progressive JPEG (its decode work grows with the
  scan count and it buffers every coefficient), WebP, HEIC, AVIF and bigger PNGs. The
  child hands back a `detect_side` JPEG of its own making, decoded inline.

The EXIF orientation is applied on both paths before detection (phones store sideways
pixels with a rotation tag, and HOG only finds upright faces).

No image is kept: callers get the encoding and timings only.
"""

from __future__ import annotations

import importlib.util
import io
import math
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import dlib  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
from PIL import Image

# The photo pipeline's own geometry and EXIF helpers: one definition of "fit within a
# side" and of the orientation table for both pipelines.
from storage.image_render import (
    SNIFF_BYTES,
    TRANSPOSE,
    ImageError,
    ImageLimits,
    fit,
    normalise_mode,
    read_orientation,
    sniff_format,
    to_srgb,
)
from storage.images import process_image

ENCODING_SIZE: Final = 128
# Names the model that made a template, so a future model change can tell old
# templates apart (they are not comparable across models).
MODEL_NAME: Final = "dlib_resnet_v1"

Vector = npt.NDArray[np.float64]


class FaceError(Exception):
    """A photo that cannot give one face encoding; `code` is the API's problem code."""

    code: str = "face_error"


class FaceImageInvalid(FaceError):
    """Not an accepted image, undecodable, too big (bytes or pixels), or too slow."""

    code = "image_invalid"


class FaceNotFound(FaceError):
    code = "face_not_found"


class MultipleFaces(FaceError):
    code = "multiple_faces"


@dataclass(frozen=True)
class FaceLimits:
    detect_side: int = 640
    upsample: int = 0
    # One more pass with this many upsampling steps when the first finds nothing.
    retry_upsample: int = 1
    max_bytes: int = 25 * 1024 * 1024
    # The same bound as photos: the 48-50 MP modes of current phones.
    max_pixels: int = 50_000_000
    # PNGs decoded in-process at full size; a 2048x2048 frame at most (PWA selfies are
    # ~1600x1200, 1.9 MP). Bigger ones go to the child.
    png_max_bytes: int = 4 * 1024 * 1024
    png_max_pixels: int = 4_200_000
    decode_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if min(self.detect_side, self.max_bytes, self.max_pixels) < 1:
            raise ValueError("face limits must be positive")
        if self.detect_side < 160:
            raise ValueError("detect_side below 160 px leaves no room for a 150 px chip")
        if not (0 <= self.upsample <= 2 and 0 <= self.retry_upsample <= 2):
            raise ValueError("upsampling is 0, 1 or 2 steps")


@dataclass(frozen=True)
class FaceEncoding:
    vector: Vector
    # left, top, right, bottom in the upright detection image of `image_size`.
    box: tuple[int, int, int, int]
    image_size: tuple[int, int]
    # decode, detect, encode (milliseconds).
    timings_ms: dict[str, float]
    # "inline" or "isolated": which decode path the bytes took.
    decoded: str


# ------------------------------------------------------------------------- models


def _models_dir() -> Path:
    # find_spec locates the package without running its __init__ (pkg_resources).
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face_recognition_models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class _Models:
    """dlib's models, loaded once per process.

    The shape predictor is read-only while predicting and is shared. The HOG detector
    keeps per-call scratch state inside the object and runs without the GIL, so each
    concurrent caller borrows one from a pool; building one takes ~0.4 s, so they are
    kept for the life of the process (at most one per concurrent caller). The
    ResNet holds its layer outputs in the object too, so calls are serialised by a
    lock; it holds the GIL anyway, so the lock costs no parallelism.
    """

    def __init__(self) -> None:
        folder = _models_dir()
        self.shape_predictor = dlib.shape_predictor(
            str(folder / "shape_predictor_5_face_landmarks.dat")
        )
        self.encoder = dlib.face_recognition_model_v1(
            str(folder / "dlib_face_recognition_resnet_model_v1.dat")
        )
        self.encoder_lock = threading.Lock()
        self._detectors: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def ensure_detectors(self, count: int) -> None:
        # Idle ones only; good enough for a warm-up before any traffic.
        while self._detectors.qsize() < count:
            self._detectors.put(dlib.get_frontal_face_detector())

    @contextmanager
    def detector(self) -> Iterator[Any]:
        try:
            det = self._detectors.get_nowait()
        except queue.Empty:
            det = dlib.get_frontal_face_detector()
        try:
            yield det
        finally:
            self._detectors.put(det)


_models: _Models | None = None
_models_lock = threading.Lock()


def _get_models() -> _Models:
    global _models
    if _models is None:
        with _models_lock:
            if _models is None:
                _models = _Models()
    return _models


def warm_up(detectors: int = 1) -> None:
    """Load the models and build `detectors` detectors now (~0.3 s + ~0.4 s each)
    instead of on the first selfies."""
    _get_models().ensure_detectors(detectors)


# ------------------------------------------------------------------------ decoding


def _open(data: bytes, formats: Sequence[str]) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FaceImageInvalid("the image has too many pixels") from exc
    except Exception as exc:
        raise FaceImageInvalid("the image could not be read") from exc


def _to_upright_rgb(img: Image.Image, side: int) -> npt.NDArray[np.uint8]:
    """Decode (scaled while decoding where the format allows), resize, rotate upright."""
    target = fit(img.width, img.height, side)
    if img.format == "JPEG" and target != img.size:
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below `target`.
        img.draft("RGB", target)
    img.load()
    # After load(): a PNG may keep its EXIF after the pixel data. The photo pipeline's
    # reader: malformed EXIF reads as upright, never raises.
    orientation = read_orientation(img)
    # Palette, 16-bit and alpha modes as the photo pipeline handles them: transparent
    # areas become white, everything ends as plain RGB (no ICC conversion: the detector
    # does not care about colour accuracy).
    frame = to_srgb(normalise_mode(img), None)
    if frame.size != target:
        frame = frame.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if orientation in TRANSPOSE:
        frame = frame.transpose(TRANSPOSE[orientation])
    return np.asarray(frame, dtype=np.uint8)


def _inline_ok(img: Image.Image, fmt: str, size: int, limits: FaceLimits) -> bool:
    if fmt == "png":
        return size <= limits.png_max_bytes and img.width * img.height <= limits.png_max_pixels
    # Pillow marks SOF2/6/10/14 (progressive) JPEGs; their decode cost grows with the
    # scan count, so only sequential ones are decoded here.
    return fmt == "jpeg" and not img.info.get("progressive") and not img.info.get("progression")


def decode_for_detection(data: bytes, limits: FaceLimits) -> tuple[npt.NDArray[np.uint8], str]:
    """Upright RGB pixels with the long side at most `limits.detect_side`."""
    if len(data) > limits.max_bytes:
        raise FaceImageInvalid(f"the image is larger than {limits.max_bytes} bytes")
    fmt = sniff_format(data[:SNIFF_BYTES])
    if fmt is None:
        raise FaceImageInvalid("not a JPEG, PNG, WebP, HEIF or AVIF image")
    if fmt in ("jpeg", "png"):
        img = _open(data, [fmt.upper()])
        if img.width < 1 or img.height < 1:
            raise FaceImageInvalid("the image has no pixels")
        if img.width * img.height > limits.max_pixels:
            raise FaceImageInvalid(f"the image has more than {limits.max_pixels} pixels")
        if _inline_ok(img, fmt, len(data), limits):
            try:
                if fmt == "png":
                    # Damage inside PNG data can otherwise decode "fine"; verify()
                    # checks every chunk's CRC without decoding.
                    with _open(data, ["PNG"]) as probe:
                        probe.verify()
                return _to_upright_rgb(img, limits.detect_side), "inline"
            except FaceError:
                raise
            except Exception as exc:
                raise FaceImageInvalid("truncated, corrupt or unsupported image") from exc
    # Everything else is parsed in the killable child, which hands back a small,
    # upright, metadata-free JPEG of our own making.
    try:
        processed = process_image(
            data,
            ImageLimits(
                max_pixels=limits.max_pixels,
                max_side=limits.detect_side,
                thumb_side=1,
                quality=92,
                decode_timeout_s=limits.decode_timeout_s,
            ),
        )
    except ImageError as exc:
        raise FaceImageInvalid(str(exc)) from exc
    small = _open(processed.full.data, ["JPEG"])
    return _to_upright_rgb(small, limits.detect_side), "isolated"


# ----------------------------------------------------------------------- encoding


def _rect_box(rect: Any) -> tuple[int, int, int, int]:
    return int(rect.left()), int(rect.top()), int(rect.right()), int(rect.bottom())


def encode_face(data: bytes, limits: FaceLimits | None = None) -> FaceEncoding:
    """The encoding of the one face in a photo.

    Raises FaceImageInvalid, FaceNotFound or MultipleFaces for the photo's faults;
    anything else is a fault of this server.
    """
    limits = limits or FaceLimits()
    models = _get_models()
    t0 = time.perf_counter()
    pixels, path = decode_for_detection(data, limits)
    t1 = time.perf_counter()
    with models.detector() as detector:
        faces = detector(pixels, limits.upsample)
        if len(faces) == 0 and limits.retry_upsample > limits.upsample:
            faces = detector(pixels, limits.retry_upsample)
    t2 = time.perf_counter()
    if len(faces) == 0:
        raise FaceNotFound("no face found in the photo")
    if len(faces) > 1:
        raise MultipleFaces(f"{len(faces)} faces found; the photo must show exactly one")
    shape = models.shape_predictor(pixels, faces[0])
    with models.encoder_lock:
        descriptor = models.encoder.compute_face_descriptor(pixels, shape, 1)
    vector = np.asarray(descriptor, dtype=np.float64)
    t3 = time.perf_counter()
    if vector.shape != (ENCODING_SIZE,) or not np.all(np.isfinite(vector)):
        raise RuntimeError("the face encoder returned a malformed vector")
    return FaceEncoding(
        vector=vector,
        box=_rect_box(faces[0]),
        image_size=(int(pixels.shape[1]), int(pixels.shape[0])),
        timings_ms={
            "decode": (t1 - t0) * 1000,
            "detect": (t2 - t1) * 1000,
            "encode": (t3 - t2) * 1000,
        },
        decoded=path,
    )


def face_distance(probe: Vector, templates: Sequence[Vector]) -> float:
    """The smallest Euclidean distance from `probe` to any template (dlib's metric)."""
    if not templates:
        raise ValueError("no templates to compare with")
    stacked = np.vstack(templates)
    distance = float(np.min(np.linalg.norm(stacked - probe, axis=1)))
    if not math.isfinite(distance):
        raise ValueError("a template is malformed")
    return distance
