"""Errors of the hazard detector; each says what to fix, because they surface in worker logs."""

from __future__ import annotations


class HazardError(Exception):
    """Base of every error raised by inference.hazard."""


class ModelIntegrityError(HazardError):
    """The model file's sha256 is not the pinned one: tampered, truncated or swapped."""


class ModelFormatError(HazardError):
    """The file is not an Ultralytics-style YOLO detect ONNX model this package can run."""


class PolicyError(HazardError):
    """The hazard policy file is malformed or does not fit the model."""


class HazardInputError(HazardError, ValueError):
    """The image handed to `detect` is not an RGB picture."""
