"""The hazard policy file: the shipped one, and every way a hand-edited one can be wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.domain.hazards.model_files import evaluation_path
from inference.hazard import DEFAULT_MODEL_SHA256, DEFAULT_POLICY_PATH, HazardPolicy, PolicyError
from inference.hazard.evaluation import suggest_threshold
from inference.hazard.policy import Role

SHA = "ab" * 32


def _policy(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model_sha256": SHA,
        "classes": {"Without Helmet": {"role": "hazard", "threshold": 0.5}},
    }
    base.update(overrides)
    return base


def test_shipped_policy() -> None:
    policy = HazardPolicy.load(DEFAULT_POLICY_PATH)
    assert policy.model_sha256 == DEFAULT_MODEL_SHA256
    assert policy.rule("Without Helmet").role is Role.HAZARD
    # The shipped threshold is the one its own evaluation calibrates (MODEL_CARD.md):
    # editing either alone fails here.
    evaluation = json.loads(evaluation_path(DEFAULT_POLICY_PATH).read_text())
    assert evaluation["model"]["sha256"] == DEFAULT_MODEL_SHA256
    assert policy.rule("Without Helmet").threshold == suggest_threshold(evaluation) == 0.35
    assert policy.rule("With Helmet").role is Role.COMPLIANCE
    assert (policy.conf, policy.iou, policy.agnostic_nms) == (0.25, 0.45, True)
    assert not policy.tiling.enabled
    assert policy.is_hazard("Without Helmet", 0.35)
    assert not policy.is_hazard("Without Helmet", 0.3499)
    assert not policy.is_hazard("With Helmet", 0.99)


def test_defaults_and_unlisted_classes() -> None:
    policy = HazardPolicy.from_mapping(_policy())
    assert policy.max_detections == 300
    assert policy.rule("Fire").role is Role.INFO
    assert not policy.is_hazard("Fire", 1.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"classes": {"x": {"role": "hazard", "threshold": 0.5}}}, "model_sha256 is required"),
        (_policy(model_sha256="e746"), "64 hex digits"),
        (_policy(treshold=0.5), r"unknown keys \['treshold'\]"),
        (_policy(conf=1.5), "conf must be between 0 and 1"),
        (_policy(iou=float("nan")), "iou must be between 0 and 1"),
        (_policy(conf="0.3"), "conf must be a number"),
        (_policy(agnostic_nms=1), "agnostic_nms must be a bool"),
        (_policy(max_detections=True), "max_detections must be a int"),
        (_policy(max_detections=0), "between 1 and 10000"),
        (_policy(classes={}), "no class has role = 'hazard'"),
        (_policy(classes={"a": {"role": "compliance"}}), "no class has role = 'hazard'"),
        (_policy(classes={"a": {"role": "danger", "threshold": 0.5}}), "role must be one of"),
        (_policy(classes={"a": {"role": "hazard"}}), "threshold is required"),
        (_policy(classes={"a": "hazard"}), "must be a table"),
        (
            _policy(
                classes={
                    "a": {"role": "hazard", "threshold": 0.5},
                    "b": {"role": "info", "threshold": 0.3},
                }
            ),
            "only applies to hazard classes",
        ),
        (_policy(conf=0.6), "below conf"),
        (_policy(tiling={"grid": [2]}), r"grid must be \[columns, rows\]"),
        (_policy(tiling={"grid": [2, 20]}), "each 1..8"),
        (_policy(tiling={"overlap": 0.95}), "overlap must be below 0.9"),
        (_policy(tiling={"enabled": True, "grid": [1, 1]}), "runs it twice"),
        (_policy(tiling={"size": 3}), "unknown keys"),
    ],
)
def test_bad_policies_are_refused_with_a_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        HazardPolicy.from_mapping(data)


def test_policy_for_another_models_classes_is_refused() -> None:
    policy = HazardPolicy.from_mapping(_policy(), source="ppe.toml")
    policy.check_model(("With Helmet", "Without Helmet"))
    with pytest.raises(PolicyError, match=r"ppe.toml: classes \['Without Helmet'\] are not in"):
        policy.check_model(("helmet", "head", "person"))


def test_files_that_are_not_toml(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('model_sha256 = "unterminated\n')
    with pytest.raises(PolicyError, match="not valid TOML"):
        HazardPolicy.load(bad)
    with pytest.raises(PolicyError, match="cannot read hazard policy"):
        HazardPolicy.load(tmp_path / "missing.toml")


def test_a_customer_policy_with_tiling(tmp_path: Path) -> None:
    path = tmp_path / "ppe.toml"
    path.write_text(
        f'model_sha256 = "{SHA.upper()}"\nconf = 0.3\n'
        '[classes.head]\nrole = "hazard"\nthreshold = 0.6\n'
        '[classes.helmet]\nrole = "compliance"\n'
        "[tiling]\nenabled = true\ngrid = [3, 2]\noverlap = 0.25\ninclude_whole = false\n"
    )
    policy = HazardPolicy.load(path)
    assert policy.model_sha256 == SHA  # normalised to lower case
    assert (policy.tiling.columns, policy.tiling.rows, policy.tiling.overlap) == (3, 2, 0.25)
    assert not policy.tiling.include_whole
    assert policy.source == str(path)


def test_inferences_at_once_fill_the_cores_without_oversubscribing() -> None:
    from api.domain.hazards.detection import _limiter
    from inference.hazard.model import available_cores

    cores = available_cores()
    assert _limiter(1).total_tokens == cores
    assert _limiter(cores).total_tokens == 1
    assert _limiter(64).total_tokens == 1
    assert _limiter(1) is _limiter(1)  # one limiter per setting, shared by all jobs
