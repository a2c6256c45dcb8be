"""A model's class names straight from the ONNX file, without onnxruntime.

The API process checks at start that the configured policy fits the configured model
(sha256 pin, class names) but never runs the model; an onnxruntime session would cost it
a few hundred MB for nothing. The names live in the file's `metadata_props`, a top-level
field of the ONNX `ModelProto` protobuf, so walking the top-level fields is enough: the
graph (nearly all of the bytes) is skipped by its length, never parsed.
"""

from __future__ import annotations

from pathlib import Path

from inference.hazard.errors import ModelFormatError
from inference.hazard.model import _names

# onnx.proto: ModelProto.metadata_props = 14 (repeated StringStringEntryProto),
# StringStringEntryProto.key = 1, .value = 2.
_METADATA_PROPS = 14
_KEY, _VALUE = 1, 2
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


def metadata_props(data: bytes, source: Path) -> dict[str, str]:
    """The model's metadata key/value pairs (Ultralytics writes `names`, `imgsz`...)."""
    props: dict[str, str] = {}
    # A view, so skipping the graph copies nothing.
    for field, value in _fields(memoryview(data), source):
        if field == _METADATA_PROPS and isinstance(value, memoryview):
            entry = {f: v for f, v in _fields(value, source) if isinstance(v, memoryview)}
            try:
                key = bytes(entry.get(_KEY, b"")).decode()
                props[key] = bytes(entry.get(_VALUE, b"")).decode()
            except UnicodeDecodeError as exc:
                raise ModelFormatError(f"{source}: metadata is not UTF-8") from exc
    return props


def class_names(data: bytes, source: Path) -> tuple[str, ...]:
    """Class names by index, read as the detector reads them once a session is open."""
    return _names(metadata_props(data, source), source)


def _fields(buf: memoryview, source: Path) -> list[tuple[int, int | memoryview]]:
    """(field number, value) of one protobuf message, in order; length-delimited values
    are views of their bytes (a nested message or a string), the rest ints or skipped."""
    out: list[tuple[int, int | memoryview]] = []
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = _varint(buf, pos, source)
        field, wire = tag >> 3, tag & 7
        if wire == _VARINT:
            value, pos = _varint(buf, pos, source)
            out.append((field, value))
        elif wire == _BYTES:
            length, pos = _varint(buf, pos, source)
            if pos + length > end:
                raise ModelFormatError(f"{source} is truncated (not a complete ONNX file)")
            out.append((field, buf[pos : pos + length]))
            pos += length
        elif wire in (_FIXED64, _FIXED32):
            pos += 8 if wire == _FIXED64 else 4
        else:
            raise ModelFormatError(f"{source} is not an ONNX model (protobuf wire type {wire})")
    return out


def _varint(buf: memoryview, pos: int, source: Path) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ModelFormatError(f"{source} is not an ONNX model (bad varint)")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos
