"""Opening a YOLO detect ONNX file: integrity check, session options, metadata.

Ultralytics writes what a runtime needs into the ONNX `metadata_props`: `names` (a Python
dict literal of class index -> name), `imgsz`, `stride`, `task`, `end2end`. Reading them
from the file, not from code, is what lets a customer's model drop in.
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# onnxruntime ships no type information; the session is typed through `Session` below.
import onnxruntime as ort  # type: ignore[import-untyped]

from inference.hazard.errors import ModelFormatError, ModelIntegrityError

# Bound the model file read: a YOLO-x fp32 export is about 230 MB.
MAX_MODEL_BYTES = 512 * 1024 * 1024


class Session(Protocol):
    """The part of `onnxruntime.InferenceSession` the detector uses."""

    def run(self, output_names: list[str] | None, feed: dict[str, Any]) -> list[Any]: ...


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    sha256: str
    names: tuple[str, ...]
    input_name: str
    in_h: int
    in_w: int
    stride: int
    # Height and width are free in the graph (an export with dynamic axes): a photo is
    # then fitted to (in_h, in_w) but padded only up to the stride, as Ultralytics'
    # own `predict` does ("rect"); a 4:3 photo runs on 640x480 pixels instead of 640x640.
    dynamic: bool = False

    def input_size(self, height: int, width: int) -> tuple[int, int]:
        """The network input (height, width) for a photo of this size."""
        if not self.dynamic:
            return self.in_h, self.in_w
        r = min(self.in_h / height, self.in_w / width)
        new_w, new_h = max(1, round(width * r)), max(1, round(height * r))
        return new_h + (self.in_h - new_h) % self.stride, new_w + (self.in_w - new_w) % self.stride

    @property
    def label(self) -> str:
        return model_label(self.path, self.sha256)


def model_label(path: Path, sha256: str) -> str:
    """Names the exact file: reviewers' decisions are tied to the model that flagged."""
    return f"{path.name}@{sha256[:12]}"


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def read_verified(path: Path, expected_sha256: str) -> tuple[bytes, str]:
    """The file's bytes, refused unless their sha256 is the pinned one.

    The session is built from these same bytes, so the file cannot change between the check
    and the load.
    """
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelFormatError(f"{path} is {size} bytes, over {MAX_MODEL_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFormatError(f"cannot read hazard model {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256.lower():
        raise ModelIntegrityError(
            f"hazard model {path} has sha256 {digest}, but {expected_sha256} is pinned: "
            "the file was modified, truncated or replaced; restore it, or pin the new "
            "model's hash in its policy if the replacement is intended"
        )
    return data, digest


def open_session(model: bytes, threads: int, source: Path) -> Any:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    # One graph, one request at a time per worker: parallelism comes from intra-op threads.
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle pool threads sleep instead of spinning. A worker shares its cores with the API
    # and the database; spinning threads then steal their time and, measured on 2 busy
    # cores (load 4), made a run of the shipped model slower: 432 ms spinning, 269 ms not.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped Fail/InvalidGraph errors
        raise ModelFormatError(f"onnxruntime cannot load {source}: {exc}") from exc


def describe(session: Any, path: Path, sha256: str) -> ModelInfo:
    meta = session.get_modelmeta().custom_metadata_map
    task = meta.get("task", "detect")
    if task != "detect":
        raise ModelFormatError(f"{path} is a YOLO {task!r} model; a 'detect' model is needed")
    if meta.get("end2end", "False").lower() == "true":
        raise ModelFormatError(
            f"{path} was exported with NMS inside (end2end); export it with nms=False"
        )
    names = _names(meta, path)
    inputs = session.get_inputs()
    if len(inputs) != 1 or len(inputs[0].shape) != 4:
        raise ModelFormatError(f"{path} must have one NCHW image input")
    in_h, in_w, dynamic = _input_size(inputs[0].shape, meta, path)
    outputs = session.get_outputs()
    out_shape = outputs[0].shape if outputs else []
    if len(out_shape) != 3 or (isinstance(out_shape[1], int) and out_shape[1] != 4 + len(names)):
        raise ModelFormatError(
            f"{path} output is {out_shape}; a detect head gives [1, 4 + {len(names)}, anchors]"
        )
    stride = _literal_int(meta.get("stride", "32"), "stride", path)
    if in_h % stride or in_w % stride:
        raise ModelFormatError(f"{path} input {in_h}x{in_w} is not a multiple of stride {stride}")
    return ModelInfo(path, sha256, names, inputs[0].name, in_h, in_w, stride, dynamic)


def _names(meta: dict[str, str], path: Path) -> tuple[str, ...]:
    raw = meta.get("names")
    if raw is None:
        raise ModelFormatError(f"{path} has no 'names' metadata (not an Ultralytics export?)")
    parsed = _literal(raw, "names", path)
    if isinstance(parsed, list):
        parsed = dict(enumerate(parsed))
    if (
        not isinstance(parsed, dict)
        or not parsed
        or sorted(parsed) != list(range(len(parsed)))
        or not all(isinstance(v, str) and v for v in parsed.values())
    ):
        raise ModelFormatError(f"{path}: 'names' must map 0..n-1 to class names, got {raw!r}")
    return tuple(parsed[i] for i in range(len(parsed)))


def _input_size(shape: list[Any], meta: dict[str, str], path: Path) -> tuple[int, int, bool]:
    """(height, width, dynamic): the graph's fixed size, or the export size for free axes."""
    h, w = shape[2], shape[3]
    if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0:
        return h, w, False
    # Dynamic axes: the export size is the one the model was validated at.
    raw = meta.get("imgsz")
    if raw is None:
        raise ModelFormatError(f"{path} has a dynamic input size and no 'imgsz' metadata")
    size = _literal(raw, "imgsz", path)
    if isinstance(size, int):
        size = [size, size]
    if not (
        isinstance(size, list | tuple)
        and len(size) == 2
        and all(isinstance(v, int) and 0 < v <= 4096 for v in size)
    ):
        raise ModelFormatError(f"{path}: 'imgsz' must be [height, width], got {raw!r}")
    return int(size[0]), int(size[1]), True


def _literal(raw: str, key: str, path: Path) -> Any:
    try:
        # literal_eval reads literals only: metadata is data, never code.
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError) as exc:
        raise ModelFormatError(f"{path}: '{key}' metadata is not a Python literal") from exc


def _literal_int(raw: str, key: str, path: Path) -> int:
    value = _literal(raw, key, path)
    if isinstance(value, list | tuple) and value:
        value = max(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ModelFormatError(f"{path}: '{key}' metadata must be a positive integer")
    return value
