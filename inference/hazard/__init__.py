"""Hazard detection on inspection photos: any Ultralytics-style YOLO detect ONNX model, run
with onnxruntime on the CPU, plus a policy file that says which classes are hazards.

    from inference.hazard import default_detector
    result = default_detector().detect(pil_image)   # blocking: call it from a thread
    result.flagged, result.detections

No torch and nothing downloaded at run time; the shipped model is in inference/models/.
"""

from inference.hazard.detector import (
    DEFAULT_MODEL_PATH,
    DEFAULT_MODEL_SHA256,
    DEFAULT_POLICY_PATH,
    Detection,
    HazardDetector,
    HazardResult,
    default_detector,
)
from inference.hazard.errors import (
    HazardError,
    HazardInputError,
    ModelFormatError,
    ModelIntegrityError,
    PolicyError,
)
from inference.hazard.policy import HazardPolicy, Role, Tiling

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DEFAULT_MODEL_SHA256",
    "DEFAULT_POLICY_PATH",
    "Detection",
    "HazardDetector",
    "HazardError",
    "HazardInputError",
    "HazardPolicy",
    "HazardResult",
    "ModelFormatError",
    "ModelIntegrityError",
    "PolicyError",
    "Role",
    "Tiling",
    "default_detector",
]
