"""The model quality report's reading of evaluation summaries: the numbers of a summary
of this exact model, and a plain reason (never an exception) for every other file."""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from api.config import Settings
from api.domain.hazards import quality
from api.domain.hazards.model_files import ModelFiles, evaluation_path, model_files
from inference.hazard import (
    DEFAULT_MODEL_PATH,
    DEFAULT_MODEL_SHA256,
    DEFAULT_POLICY_PATH,
    Tiling,
    default_detector,
)
from inference.hazard.evaluation import evaluate_set, summary
from inference.hazard.labelled_set import ClassMap, LabelledSet

SHA = "ab" * 32
OTHER_SHA = "cd" * 32

POLICY = f"""
model_sha256 = "{SHA}"
[classes."Without Helmet"]
role = "hazard"
threshold = 0.5
[classes."With Helmet"]
role = "compliance"
"""


def _row(threshold: float, head: tuple[float, float], photo: tuple[float, float]) -> dict[str, Any]:
    return {
        "threshold": threshold,
        "heads_found": 181,
        "head": {"tp": 65, "fp": 7, "fn": 48, "precision": head[0], "recall": head[1], "f1": 0.7},
        "photo": {
            "tp": 22,
            "fp": 2,
            "fn": 14,
            "tn": 37,
            "precision": photo[0],
            "recall": photo[1],
            "f1": 0.73,
        },
    }


def _run(name: str, tiling: dict[str, Any] | None, photo: tuple[float, float]) -> dict[str, Any]:
    return {
        "set": name,
        "class_map": {"hard_hat": "compliance", "no_hard_hat": "hazard"},
        "photos": 75,
        "hazard_photos": 36,
        "heads": 251,
        "hazard_heads": 113,
        "tiling": tiling,
        "latency_ms": {"mean": 101.2, "p50": 99.0, "p95": 120.5},
        # A swept row with other numbers than the policy's: the report must not pick it.
        "thresholds": [_row(0.3, (0.5, 0.9), (0.5, 0.95)), _row(0.5, (0.9, 0.5), (0.9, 0.5))],
        "policy_row": _row(0.5, (0.903, 0.575), photo),
    }


SUMMARY: dict[str, Any] = {
    "format": "sitecheck-hazard-eval/1",
    "created_at": "2026-11-21T10:00:00Z",
    "model": {"file": "m.onnx", "sha256": SHA, "label": f"m.onnx@{SHA[:12]}", "names": []},
    "policy": {"conf": 0.25, "iou": 0.45, "thresholds": {"Without Helmet": 0.5}},
    "match_iou": 0.3,
    "runs": [
        _run("hardhat-eval", None, (0.917, 0.611)),
        _run("hardhat-eval", {"grid": [2, 2], "overlap": 0.2, "include_whole": True}, (0.8, 0.7)),
    ],
}


@pytest.fixture
def files(tmp_path: Path) -> ModelFiles:
    policy = tmp_path / "m.policy.toml"
    policy.write_text(POLICY)
    # The model file itself is never read by the report: its digest is the policy's pin.
    return ModelFiles(tmp_path / "m.onnx", policy, evaluation_path(policy), shipped=False)


def _write(files: ModelFiles, summary: Any) -> None:
    files.evaluation.write_text(json.dumps(summary))


def test_a_summary_of_this_model_shows_each_runs_policy_row(files: ModelFiles) -> None:
    _write(files, SUMMARY)
    got = quality.read_quality(files)
    assert got.label == f"m.onnx@{SHA[:12]}"
    assert (got.file, got.shipped) == ("m.onnx", False)
    assert got.classes == [
        {"name": "Without Helmet", "role": "hazard", "threshold": 0.5},
        {"name": "With Helmet", "role": "compliance", "threshold": None},
    ]
    evaluation = got.evaluation
    assert (evaluation["available"], evaluation["stale"]) == (True, False)
    assert "reason" not in evaluation
    assert evaluation["created_at"] == "2026-11-21T10:00:00Z"
    whole, tiled = evaluation["runs"]
    assert whole == {
        "set": "hardhat-eval",
        "photos": 75,
        "hazard_photos": 36,
        "tiling": None,
        "current": True,
        "threshold": 0.5,
        "head": {"precision": 0.903, "recall": 0.575},
        "photo": {"precision": 0.917, "recall": 0.611},
        "latency_ms_p50": 99.0,
    }
    # The policy runs without tiles, so the tiled run is shown but is not the current one.
    assert tiled["tiling"] == {"grid": [2, 2], "overlap": 0.2, "include_whole": True}
    assert tiled["current"] is False
    assert tiled["photo"] == {"precision": 0.8, "recall": 0.7}


def test_a_policy_with_tiles_on_makes_the_tiled_run_current(files: ModelFiles) -> None:
    files.policy.write_text(POLICY + "[tiling]\nenabled = true\ngrid = [2, 2]\noverlap = 0.2\n")
    _write(files, SUMMARY)
    runs = quality.read_quality(files).evaluation["runs"]
    assert [r["current"] for r in runs] == [False, True]


def test_a_sites_own_grid_decides_which_run_is_current(files: ModelFiles) -> None:
    _write(files, SUMMARY)
    got = quality.read_quality(files)
    grid = Tiling(enabled=True, columns=2, rows=2, overlap=0.2)
    assert [r["current"] for r in got.body(grid)["evaluation"]["runs"]] == [False, True]
    other = Tiling(enabled=True, columns=3, rows=3)
    assert [r["current"] for r in got.body(other)["evaluation"]["runs"]] == [False, False]
    # The cached report itself is left as the policy has it.
    assert [r["current"] for r in got.body()["evaluation"]["runs"]] == [True, False]


def test_no_summary_means_not_evaluated(files: ModelFiles) -> None:
    assert quality.read_quality(files).evaluation == {
        "available": False,
        "stale": False,
        "reason": "not evaluated",
        "runs": [],
    }


def test_a_summary_of_another_model_is_refused(files: ModelFiles) -> None:
    other = copy.deepcopy(SUMMARY)
    other["model"]["sha256"] = OTHER_SHA
    _write(files, other)
    evaluation = quality.read_quality(files).evaluation
    assert (evaluation["available"], evaluation["reason"]) == (False, "evaluated another model")
    assert evaluation["runs"] == []


@pytest.mark.parametrize(
    "thresholds",
    [{"Without Helmet": 0.35}, {"Without Helmet": 0.5, "With Helmet": 0.5}, {"Bare head": 0.5}],
)
def test_a_summary_under_other_thresholds_is_stale(
    files: ModelFiles, thresholds: dict[str, float]
) -> None:
    changed = copy.deepcopy(SUMMARY)
    changed["policy"]["thresholds"] = thresholds
    _write(files, changed)
    evaluation = quality.read_quality(files).evaluation
    assert (evaluation["available"], evaluation["stale"]) == (True, True)
    assert len(evaluation["runs"]) == 2


def _broken(change: str) -> Any:
    summary: Any = copy.deepcopy(SUMMARY)
    if change == "list":
        return [summary]
    if change == "no_policy_row":
        del summary["runs"][0]["policy_row"]
    elif change == "recall_over_1":
        summary["runs"][0]["policy_row"]["photo"]["recall"] = 61.1
    elif change == "photos_text":
        summary["runs"][1]["photos"] = "75"
    elif change == "runs_null":
        summary["runs"] = None
    elif change == "no_model":
        del summary["model"]
    return summary


@pytest.mark.parametrize(
    "change", ["list", "no_policy_row", "recall_over_1", "photos_text", "runs_null", "no_model"]
)
def test_a_malformed_summary_is_reported_and_logged(
    files: ModelFiles, change: str, caplog: pytest.LogCaptureFixture
) -> None:
    _write(files, _broken(change))
    with caplog.at_level(logging.WARNING, logger=quality.__name__):
        evaluation = quality.read_quality(files).evaluation
    expected = "unknown evaluation format" if change == "list" else "unreadable evaluation"
    assert (evaluation["available"], evaluation["reason"]) == (False, expected)
    assert str(files.evaluation) in caplog.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "unreadable evaluation"),
        (b"{not json", "unreadable evaluation"),
        (b"\xff\xfe\x00", "unreadable evaluation"),
        (b'{"format": "sitecheck-hazard-eval/2"}', "unknown evaluation format"),
        (b" " * (quality.MAX_EVAL_BYTES + 1), "unreadable evaluation"),
    ],
)
def test_a_file_that_is_no_summary_is_reported(
    files: ModelFiles, content: bytes, reason: str
) -> None:
    files.evaluation.write_bytes(content)
    evaluation = quality.read_quality(files).evaluation
    assert (evaluation["available"], evaluation["reason"]) == (False, reason)


def test_an_unreadable_policy_is_reported_not_raised(files: ModelFiles) -> None:
    files.policy.write_text("model_sha256 = 'short'\n")
    _write(files, SUMMARY)
    got = quality.read_quality(files)
    assert (got.label, got.classes) == ("m.onnx", [])
    assert got.evaluation["reason"] == "unreadable policy"


def test_the_cache_rereads_only_changed_files(files: ModelFiles) -> None:
    cache = quality._Cache()
    first = cache.get(files)
    assert first.evaluation["reason"] == "not evaluated"
    assert cache.get(files) is first  # nothing changed: not parsed again
    assert cache.fresh(files) is first

    _write(files, SUMMARY)
    evaluated = cache.get(files)
    assert evaluated.evaluation["available"] is True

    # Same size, later mtime: a re-evaluation written in place is picked up.
    changed = copy.deepcopy(SUMMARY)
    changed["policy"]["thresholds"] = {"Without Helmet": 0.4}
    _write(files, changed)
    stat = files.evaluation.stat()
    os.utime(files.evaluation, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cache.get(files).evaluation["stale"] is True

    other = ModelFiles(files.model, files.policy, files.evaluation, shipped=True)
    assert cache.fresh(other) is None  # another configuration is never served a stale read


def test_what_the_evaluation_tool_writes_is_read(tmp_path: Path) -> None:
    """The contract with inference/hazard/evaluation.py: its own summary of the shipped
    model, on a tiny set of grey frames labelled with bare heads the model cannot see
    (recall 0, precision undefined), with and without tiles."""
    root = tmp_path / "set"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "data.yaml").write_text("names: [helmet, head]\n")
    for stem, label in (("a", "1 0.5 0.5 0.2 0.2\n"), ("b", None), ("c", None)):
        Image.new("RGB", (160, 120), "gray").save(root / "images" / f"{stem}.jpg")
        if label:
            (root / "labels" / f"{stem}.txt").write_text(label)
    labelled = LabelledSet.load(root, ClassMap.parse("helmet=compliance,head=hazard"))
    detector = default_detector(threads=1)
    runs = [
        evaluate_set(detector, labelled, [0.5]),
        evaluate_set(detector, labelled, [0.5], tiling=Tiling(enabled=True)),
    ]
    policy = tmp_path / "shipped.policy.toml"
    shutil.copyfile(DEFAULT_POLICY_PATH, policy)
    files = ModelFiles(DEFAULT_MODEL_PATH, policy, evaluation_path(policy), shipped=False)
    # As the tool's CLI writes it (inference/hazard/evaluate.py).
    files.evaluation.write_text(json.dumps(summary(detector, runs), indent=1) + "\n")

    evaluation = quality.read_quality(files).evaluation
    assert (evaluation["available"], evaluation["stale"]) == (True, False)
    whole, tiled = evaluation["runs"]
    assert (whole["set"], whole["photos"], whole["hazard_photos"]) == ("set", 3, 1)
    assert whole["photo"] == {"precision": None, "recall": 0.0}
    assert (whole["tiling"], whole["current"]) == (None, True)
    assert tiled["tiling"] == {"grid": [2, 2], "overlap": 0.2, "include_whole": True}
    assert tiled["current"] is False
    assert whole["latency_ms_p50"] is not None


def test_the_shipped_model_reads_its_own_files() -> None:
    env = {
        "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:5432/db",
        "S3_ACCESS_KEY_ID": "k",
        "S3_SECRET_ACCESS_KEY": "s",
        "SITECHECK_JWT_SECRET": "x" * 40,
    }
    files = model_files(Settings.from_env(env))
    got = quality.read_quality(files)
    assert got.label == f"{files.model.name}@{DEFAULT_MODEL_SHA256[:12]}"
    assert got.shipped is True
    # Whatever the committed summary says, the report reads it without failing: numbers
    # when it is of this model, a reason otherwise.
    evaluation = got.evaluation
    assert evaluation["available"] or evaluation["reason"] in {
        "not evaluated",
        "evaluated another model",
    }
