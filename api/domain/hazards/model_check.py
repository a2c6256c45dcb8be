"""The configured hazard model, checked when a process starts.

A policy that does not load, or that was written for another file or other classes,
would otherwise fail every photo's check later, one retry at a time, with the reason
buried in worker logs. Checked at start, the process refuses to run and says which file
is wrong and why.

The API never runs the model, so it checks without onnxruntime (policy, sha256 pin,
class names from the file's metadata); an inference worker builds the session it is
about to use anyway, which checks everything the detector needs.
"""

from __future__ import annotations

from api.config import Settings
from api.domain.hazards import detection
from api.domain.hazards.model_files import ModelFiles, model_files
from inference.hazard.detector import HazardDetector, check_shipped_pin
from inference.hazard.errors import HazardError
from inference.hazard.model import read_verified
from inference.hazard.onnx_metadata import class_names
from inference.hazard.policy import HazardPolicy


class HazardModelUnusable(RuntimeError):
    """The configured model and policy cannot be used together; the message says why."""


def check_model_files(settings: Settings) -> HazardPolicy:
    """Blocking (reads and hashes the model file): run it in a thread."""
    files = model_files(settings)
    try:
        policy = HazardPolicy.load(files.policy)
        if files.shipped:
            # The same refusal the detector makes (default_detector), said at start.
            check_shipped_pin(policy)
        data, _ = read_verified(files.model, policy.model_sha256)
        policy.check_model(class_names(data, files.model))
    except HazardError as exc:
        raise unusable(files, exc) from exc
    return policy


def load_detector(settings: Settings) -> HazardDetector:
    """The detector an inference worker is about to use, loaded now (blocking, about a
    second): the session is cached, so the first photo does not pay for it again."""
    try:
        return detection.detector(settings)
    except HazardError as exc:
        raise unusable(model_files(settings), exc) from exc


def unusable(files: ModelFiles, exc: HazardError) -> HazardModelUnusable:
    if files.shipped:
        origin = "the shipped model"
    else:
        origin = f"SITECHECK_HAZARD_MODEL={files.model}, SITECHECK_HAZARD_POLICY={files.policy}"
    return HazardModelUnusable(f"hazard model check failed ({origin}): {exc}")
