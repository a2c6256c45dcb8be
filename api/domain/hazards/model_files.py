"""Which hazard model this deployment runs: the shipped default or a drop-in one.

A model is three files side by side: the ONNX file, its policy (`*.policy.toml`: classes,
thresholds, sha256 pin) and, once evaluated, its measured quality (`*.eval.json`, written by
`python -m inference.hazard.evaluate`). Swapping models is a configuration change
(`SITECHECK_HAZARD_MODEL` + `SITECHECK_HAZARD_POLICY`), never a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.config import Settings
from inference.hazard.detector import (
    DEFAULT_MODEL_PATH,
    DEFAULT_POLICY_PATH,
    HazardDetector,
    default_detector,
)


@dataclass(frozen=True)
class ModelFiles:
    model: Path
    policy: Path
    # May not exist: a model nobody has evaluated yet says so rather than guessing.
    evaluation: Path
    shipped: bool


def evaluation_path(policy: Path) -> Path:
    """`x.policy.toml` -> `x.eval.json`; any other policy name -> `<stem>.eval.json`."""
    name = policy.name
    stem = name.removesuffix(".policy.toml") if name.endswith(".policy.toml") else policy.stem
    return policy.with_name(f"{stem}.eval.json")


def model_files(settings: Settings) -> ModelFiles:
    if settings.hazards.model_path is None or settings.hazards.policy_path is None:
        return ModelFiles(
            DEFAULT_MODEL_PATH, DEFAULT_POLICY_PATH, evaluation_path(DEFAULT_POLICY_PATH), True
        )
    policy = settings.hazards.policy_path
    return ModelFiles(settings.hazards.model_path, policy, evaluation_path(policy), False)


def configured_detector(settings: Settings, *, threads: int | None = None) -> HazardDetector:
    """The process's detector for the configured model (blocking on first use: it loads
    the model, about a second)."""
    files = model_files(settings)
    if files.shipped:
        # The shipped pair is also pinned in code: editing its policy cannot bless a swap.
        return default_detector(threads=threads)
    return HazardDetector.load(files.model, files.policy, threads=threads)
