"""The hazard detector: a YOLO detect ONNX model plus the policy that says what is a hazard.

`detect` is blocking (tens to hundreds of milliseconds of CPU); async callers run it in a
worker thread. One detector, and so one onnxruntime session, exists per process and
(model, policy, threads): `HazardDetector.load` caches it, because building a session
costs about a second and a few hundred MB. A session may be shared by threads
(onnxruntime's `run` is thread-safe), but each run already uses `threads` cores, so a
worker should run one photo at a time and scale out with processes.

A changed model or policy file is picked up by a new process, not by a running one.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from inference.hazard.errors import HazardInputError, ModelFormatError, ModelIntegrityError
from inference.hazard.model import (
    ModelInfo,
    Session,
    available_cores,
    describe,
    open_session,
    read_verified,
)
from inference.hazard.policy import HazardPolicy, Tiling
from inference.hazard.postprocess import Candidates, decode, merge_views, suppress
from inference.hazard.preprocess import letterbox

MODELS_DIR: Final = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL_PATH: Final = MODELS_DIR / "hardhat_finetune_480.int8qdq.onnx"
DEFAULT_POLICY_PATH: Final = MODELS_DIR / "hardhat_finetune_480.policy.toml"
# Pinned here as well as in the policy: editing the policy alone cannot bless a swapped file.
DEFAULT_MODEL_SHA256: Final = "e746fc743d5eb15cb838a8b57af3af4df80392cd065b19afa47301805bc2d5ec"

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: Box  # x1, y1, x2, y2 in pixels of the image given to `detect`
    hazard: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": self.score,
            "box": list(self.box),
            "hazard": self.hazard,
        }


@dataclass(frozen=True)
class HazardResult:
    model: str  # file name @ first 12 hex digits of its sha256
    flagged: bool
    detections: list[Detection]  # best score first
    timings_ms: dict[str, float]  # pre, infer, post

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "flagged": self.flagged,
            "detections": [d.as_json() for d in self.detections],
            "timings_ms": dict(self.timings_ms),
        }


class HazardDetector:
    def __init__(self, session: Session, info: ModelInfo, policy: HazardPolicy) -> None:
        policy.check_model(info.names)
        self._session = session
        self.info = info
        self.policy = policy

    @classmethod
    def load(
        cls, model_path: str | Path, policy_path: str | Path, *, threads: int | None = None
    ) -> HazardDetector:
        """The process's detector for this model and policy, built on first use.

        The policy's `model_sha256` must match the model file. `threads` bounds onnxruntime's
        intra-op pool (default: the cores this process may use).
        """
        n_threads = threads or available_cores()
        if n_threads < 1:
            raise ValueError("threads must be at least 1")
        key = (str(Path(model_path).resolve()), str(Path(policy_path).resolve()), n_threads)
        # A forked child must not reuse its parent's session (onnxruntime's thread pool does
        # not survive fork), so the cache belongs to one process id.
        pid = os.getpid()
        with _cache_lock:
            if _cache_pid[0] != pid:
                _cache.clear()
                _cache_pid[0] = pid
            found = _cache.get(key)
            if found is None:
                found = cls._build(Path(model_path), HazardPolicy.load(policy_path), n_threads)
                _cache[key] = found
            return found

    @classmethod
    def _build(cls, model_path: Path, policy: HazardPolicy, threads: int) -> HazardDetector:
        data, digest = read_verified(model_path, policy.model_sha256)
        session = open_session(data, threads, model_path)
        return cls(session, describe(session, model_path, digest), policy)

    def with_policy(self, policy: HazardPolicy) -> HazardDetector:
        """The same loaded model under another policy (an evaluation sweeping thresholds
        needs a lower `conf`); the session is shared, not rebuilt."""
        return HazardDetector(self._session, self.info, policy)

    def detect(
        self, image: Image.Image | npt.NDArray[np.uint8], *, tiling: Tiling | None = None
    ) -> HazardResult:
        """Detections in `image`'s own pixels, and whether the policy flags it.

        `tiling` replaces the policy's own (a site that photographs from afar sets its grid).
        EXIF orientation is not applied here: pass the image as it should be seen (the
        stored copy from storage.images already has it applied).
        """
        rgb = _as_rgb(image)
        height, width = rgb.shape[:2]
        pre = infer = post = 0.0
        parts: list[Candidates] = []
        views = _views(width, height, tiling or self.policy.tiling)
        for x0, y0, x1, y1 in views:
            t0 = time.perf_counter()
            in_h, in_w = self.info.input_size(y1 - y0, x1 - x0)
            tensor, placement = letterbox(
                rgb[y0:y1, x0:x1], in_h, in_w, fit=(self.info.in_h, self.info.in_w)
            )
            t1 = time.perf_counter()
            raw = self._session.run(None, {self.info.input_name: tensor})[0]
            t2 = time.perf_counter()
            self._check_output(raw)
            found = decode(raw, self.policy.conf)
            offset = np.array([x0, y0, x0, y0], dtype=np.float32)
            parts.append(
                Candidates(placement.to_source(found.boxes) + offset, found.scores, found.classes)
            )
            t3 = time.perf_counter()
            pre, infer, post = pre + (t1 - t0), infer + (t2 - t1), post + (t3 - t2)
        t0 = time.perf_counter()
        # One view is Ultralytics' own NMS (parity); several need tile duplicates merged.
        kept = (suppress if len(views) == 1 else merge_views)(
            Candidates.concat(parts),
            self.policy.iou,
            agnostic=self.policy.agnostic_nms,
            max_det=self.policy.max_detections,
        )
        boxes = kept.boxes.copy()
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, width)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, height)
        detections = []
        for box, score, cls in zip(
            boxes.tolist(), kept.scores.tolist(), kept.classes.tolist(), strict=True
        ):
            label = self.info.names[cls]
            detections.append(
                Detection(
                    label=label,
                    score=round(score, 4),
                    box=(round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1)),
                    hazard=self.policy.is_hazard(label, score),
                )
            )
        post += time.perf_counter() - t0
        return HazardResult(
            model=self.info.label,
            flagged=any(d.hazard for d in detections),
            detections=detections,
            timings_ms={
                "pre": round(pre * 1000, 2),
                "infer": round(infer * 1000, 2),
                "post": round(post * 1000, 2),
            },
        )

    def _check_output(self, raw: Any) -> None:
        nc = len(self.info.names)
        if not isinstance(raw, np.ndarray) or raw.ndim != 3 or raw.shape[:2] != (1, 4 + nc):
            shape = getattr(raw, "shape", None)
            raise ModelFormatError(
                f"{self.info.path} returned {shape}; expected [1, {4 + nc}, anchors]"
            )


def check_shipped_pin(policy: HazardPolicy) -> None:
    """Refuse the shipped policy when it pins another file than the code does."""
    if policy.model_sha256 != DEFAULT_MODEL_SHA256:
        raise ModelIntegrityError(
            f"{DEFAULT_POLICY_PATH} pins {policy.model_sha256}, the code pins "
            f"{DEFAULT_MODEL_SHA256}: the shipped policy was edited"
        )


def default_detector(*, threads: int | None = None) -> HazardDetector:
    """The shipped hard-hat model with its policy, once per process."""
    check_shipped_pin(HazardPolicy.load(DEFAULT_POLICY_PATH))
    return HazardDetector.load(DEFAULT_MODEL_PATH, DEFAULT_POLICY_PATH, threads=threads)


_cache: dict[tuple[str, str, int], HazardDetector] = {}
_cache_pid = [os.getpid()]
# Held while a session is built, so two threads asking at once build it once.
_cache_lock = threading.Lock()


def _as_rgb(image: Image.Image | npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if isinstance(image, Image.Image):
        arr = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    elif isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise HazardInputError(
                f"expected an RGB uint8 array of shape [H, W, 3], got {image.dtype} {image.shape}"
            )
        arr = image
    else:
        raise HazardInputError(f"expected a PIL image or a numpy array, got {type(image).__name__}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise HazardInputError("the image has no pixels")
    return arr


def _views(width: int, height: int, tiling: Tiling) -> list[tuple[int, int, int, int]]:
    """Regions (x0, y0, x1, y1) to run the model on: the whole photo and/or a grid of
    overlapping tiles that together cover it."""
    views = []
    if not tiling.enabled or tiling.include_whole:
        views.append((0, 0, width, height))
    if tiling.enabled:
        xs = _spans(width, tiling.columns, tiling.overlap)
        ys = _spans(height, tiling.rows, tiling.overlap)
        views.extend((x0, y0, x1, y1) for y0, y1 in ys for x0, x1 in xs)
    return views


def _spans(size: int, count: int, overlap: float) -> list[tuple[int, int]]:
    # `count` tiles of equal length, each sharing `overlap` of its length with the next.
    length = size / (count - overlap * (count - 1))
    step = length * (1 - overlap)
    spans = []
    for i in range(count):
        start = min(round(i * step), size - 1)
        end = size if i == count - 1 else max(start + 1, min(size, round(i * step + length)))
        spans.append((start, end))
    return spans
