"""The fine-tuning tool's torch-free parts: the gate, the promoted files, the training data.

The gate decides on two evaluation summaries (inference/hazard/evaluation.py's format), so
crafted summaries check each rule; the promotion is checked by loading what it wrote with
the app's own `HazardDetector.load`, using the shipped ONNX as the "candidate".
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.domain.hazards.dataset_export import ExportItem, YoloZipWriter
from inference.hazard import DEFAULT_MODEL_PATH, DEFAULT_MODEL_SHA256, DEFAULT_POLICY_PATH
from inference.hazard.detector import MODELS_DIR, HazardDetector
from inference.hazard.policy import HazardPolicy, Role, Tiling
from tools.hazard_model.promotion import (
    PromotionError,
    compare,
    format_table,
    policy_toml,
    promote,
)
from tools.hazard_model.training_data import (
    TrainingDataError,
    check_overrides,
    class_mapping,
    parse_map,
    prepare_training_set,
)

HAZARD_DATA = Path(__file__).resolve().parent.parent / "data" / "hazard"
MODEL_NAMES = ("With Helmet", "Without Helmet")
CLASS_MAP = {"head": "hazard", "helmet": "compliance", "person": "ignore"}


def _counts(
    precision: float | None, recall: float | None, f1: float | None, **n: int
) -> dict[str, Any]:
    return {"tp": 0, "fp": 0, "fn": 0, **n, "precision": precision, "recall": recall, "f1": f1}


def _run(
    name: str, photo_recall: float | None, head_f1: float | None, photos: int = 75
) -> dict[str, Any]:
    row = {
        "threshold": 0.5,
        "heads_found": 10,
        "head": _counts(0.9, 0.6, head_f1),
        "photo": _counts(0.9, photo_recall, 0.8, tn=1),
    }
    return {
        "set": name,
        "class_map": CLASS_MAP,
        "photos": photos,
        "hazard_photos": 36,
        "heads": 251,
        "hazard_heads": 113,
        "tiling": None,
        "latency_ms": {"mean": 100.0, "p50": 99.0, "p95": 120.0},
        "thresholds": [row],
        "policy_row": row,
    }


def _summary(*runs: dict[str, Any], sha: str = DEFAULT_MODEL_SHA256) -> dict[str, Any]:
    return {
        "format": "sitecheck-hazard-eval/1",
        "created_at": "2026-11-21T10:00:00Z",
        "model": {
            "file": "candidate.int8qdq.onnx",
            "sha256": sha,
            "label": f"candidate.int8qdq.onnx@{sha[:12]}",
            "names": list(MODEL_NAMES),
        },
        "policy": {"conf": 0.25, "iou": 0.45, "thresholds": {"Without Helmet": 0.5}},
        "match_iou": 0.3,
        "runs": list(runs),
    }


CURRENT = _summary(_run("hardhat-eval", 0.611, 0.703), _run("hhw-rest", 0.871, 0.87, 406))


def test_gate_accepts_equal_and_better() -> None:
    assert compare(CURRENT, CURRENT).accepted
    better = _summary(_run("hardhat-eval", 0.7, 0.75), _run("hhw-rest", 0.871, 0.9, 406))
    verdict = compare(CURRENT, better)
    assert verdict.accepted
    assert not verdict.worse
    assert "ACCEPTED" in format_table(verdict)


@pytest.mark.parametrize(
    ("eval_set", "photo_recall", "head_f1", "metric"),
    [
        ("hardhat-eval", 0.6, 0.9, "photo recall"),  # recall lost on one set only
        ("hhw-rest", 0.95, 0.869, "head F1"),  # 0.001 of head F1 is still worse
        ("hardhat-eval", 0.7, None, "head F1"),  # predicted nothing: F1 undefined
    ],
)
def test_gate_refuses_a_drop_on_any_set(
    eval_set: str, photo_recall: float, head_f1: float | None, metric: str
) -> None:
    runs = {r["set"]: copy.deepcopy(r) for r in CURRENT["runs"]}
    runs[eval_set]["policy_row"]["photo"]["recall"] = photo_recall
    runs[eval_set]["policy_row"]["head"]["f1"] = head_f1
    verdict = compare(CURRENT, _summary(*runs.values()))
    assert not verdict.accepted
    assert [(c.run, c.metric) for c in verdict.worse] == [(eval_set, metric.replace("F1", "f1"))]
    table = format_table(verdict)
    assert "REFUSED" in table
    assert f"{eval_set}: {metric.replace('F1', 'f1')}" in table
    assert "WORSE" in table


def test_gate_tolerance_and_undefined_current() -> None:
    slightly = _summary(_run("hardhat-eval", 0.6, 0.703), _run("hhw-rest", 0.871, 0.87, 406))
    assert not compare(CURRENT, slightly).accepted
    assert compare(CURRENT, slightly, tolerance=0.02).accepted
    # No hazard photo in the set: the current recall is undefined, nothing to protect.
    no_hazards = _summary(_run("clean-site", None, None))
    assert compare(no_hazards, _summary(_run("clean-site", None, 0.5))).accepted
    with pytest.raises(ValueError, match="tolerance"):
        compare(CURRENT, CURRENT, tolerance=-0.1)


def test_gate_refuses_what_was_not_measured_the_same_way() -> None:
    missing = compare(CURRENT, _summary(_run("hardhat-eval", 0.9, 0.9)))
    assert not missing.accepted
    assert missing.problems == ("hhw-rest: the candidate was not evaluated on it",)
    fewer = compare(
        CURRENT, _summary(_run("hardhat-eval", 0.9, 0.9), _run("hhw-rest", 0.9, 0.9, 300))
    )
    assert not fewer.accepted
    assert "measured differently" in fewer.problems[0]
    # A tiled run is another run: it does not stand in for the untiled one.
    tiled = _run("hhw-rest", 0.9, 0.9, 406) | {
        "tiling": {"grid": [2, 2], "overlap": 0.2, "include_whole": True}
    }
    verdict = compare(CURRENT, _summary(_run("hardhat-eval", 0.9, 0.9), tiled))
    assert verdict.problems == ("hhw-rest: the candidate was not evaluated on it",)


def test_policy_toml_round_trips() -> None:
    policy = HazardPolicy.from_mapping(
        {
            "model_sha256": "ab" * 32,
            "conf": 0.2,
            "iou": 0.5,
            "agnostic_nms": False,
            "max_detections": 100,
            "classes": {
                'no "hard" hat': {"role": "hazard", "threshold": 0.35},
                "hard_hat": {"role": "compliance"},
                "person": {"role": "info"},
            },
            "tiling": {"enabled": True, "grid": [3, 2], "overlap": 0.25, "include_whole": False},
        }
    )
    text = policy_toml(policy, "cd" * 32, note="line one\nline two")
    assert text.startswith("# line one\n# line two\n")
    again = HazardPolicy.from_mapping(tomllib.loads(text))
    assert again.model_sha256 == "cd" * 32
    assert dict(again.classes) == dict(policy.classes)
    assert (again.conf, again.iou, again.agnostic_nms, again.max_detections) == (
        0.2,
        0.5,
        False,
        100,
    )
    assert again.tiling == Tiling(True, 3, 2, 0.25, False)


def test_promotion_writes_files_the_app_loads(tmp_path: Path) -> None:
    candidate = tmp_path / "work" / "candidate.int8qdq.onnx"
    candidate.parent.mkdir()
    candidate.write_bytes(DEFAULT_MODEL_PATH.read_bytes())
    current = HazardPolicy.load(DEFAULT_POLICY_PATH)
    promoted = promote(candidate, current, _summary(), tmp_path / "models", "site-a")
    assert promoted.model == (tmp_path / "models" / "site-a.onnx").resolve()
    assert promoted.sha256 == DEFAULT_MODEL_SHA256
    detector = HazardDetector.load(promoted.model, promoted.policy, threads=1)
    assert detector.info.names == MODEL_NAMES
    # Carried over from the running policy, whatever its calibrated threshold is now.
    assert dict(detector.policy.classes) == dict(current.classes)
    assert detector.policy.rule("With Helmet").role is Role.COMPLIANCE
    assert (detector.policy.conf, detector.policy.tiling) == (current.conf, current.tiling)
    evaluation = json.loads(promoted.evaluation.read_text())
    assert evaluation["model"]["file"] == "site-a.onnx"
    assert evaluation["model"]["label"] == f"site-a.onnx@{DEFAULT_MODEL_SHA256[:12]}"
    assert promoted.env_lines() == [
        f"SITECHECK_HAZARD_MODEL={promoted.model}",
        f"SITECHECK_HAZARD_POLICY={promoted.policy}",
    ]
    # Never over an earlier promotion, never into the shipped folder, never another file.
    with pytest.raises(PromotionError, match="exist"):
        promote(candidate, current, _summary(), tmp_path / "models", "site-a")
    with pytest.raises(PromotionError, match="shipped"):
        promote(candidate, current, _summary(), MODELS_DIR, "site-b")
    with pytest.raises(PromotionError, match="another file"):
        promote(candidate, current, _summary(sha="ef" * 32), tmp_path / "models", "site-c")
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [
        "site-a.eval.json",
        "site-a.onnx",
        "site-a.policy.toml",
    ]


def test_promotion_cleans_up_when_the_model_does_not_load(tmp_path: Path) -> None:
    candidate = tmp_path / "broken.onnx"
    candidate.write_bytes(b"not an onnx model")
    broken = _summary(sha=hashlib.sha256(candidate.read_bytes()).hexdigest())
    with pytest.raises(Exception):  # noqa: B017,PT011  (whatever onnxruntime raises)
        promote(candidate, HazardPolicy.load(DEFAULT_POLICY_PATH), broken, tmp_path / "m", "x")
    assert list((tmp_path / "m").iterdir()) == []


def test_class_mapping_by_name_or_refused() -> None:
    assert class_mapping(MODEL_NAMES, MODEL_NAMES, {}) == {n: n for n in MODEL_NAMES}
    mapped = class_mapping(
        ("head", "helmet", "person"),
        MODEL_NAMES,
        parse_map(["head=Without Helmet", "helmet=With Helmet", "person=-"]),
    )
    assert mapped == {"head": "Without Helmet", "helmet": "With Helmet", "person": "-"}
    with pytest.raises(TrainingDataError, match=r"\['head', 'helmet', 'person'\] do not match"):
        class_mapping(("head", "helmet", "person"), MODEL_NAMES, {})
    with pytest.raises(TrainingDataError, match="helmet=Hat"):
        class_mapping(("helmet",), MODEL_NAMES, {"helmet": "Hat"})
    with pytest.raises(TrainingDataError, match="--map names"):
        check_overrides(MODEL_NAMES, {"hat": "-"})
    with pytest.raises(TrainingDataError, match="use SET_CLASS"):
        parse_map(["head"])


def _review_export(photos: dict[str, bytes]) -> bytes:
    """A zip written by the app's own review-export writer."""
    out = io.BytesIO()
    writer = YoloZipWriter(out, list(MODEL_NAMES), HazardPolicy.load(DEFAULT_POLICY_PATH))
    for photo_id, data in photos.items():
        writer.add(
            ExportItem(
                photo_id=photo_id,
                hazard_id="h-" + photo_id,
                site_id="s1",
                site_name="Site",
                decision="confirmed",
                model="m",
                reviewed_at=None,
                review_note=None,
                width=100,
                height=100,
                detections=[
                    {"label": "Without Helmet", "score": 0.9, "box": [10, 10, 30, 30]},
                    {"label": "With Helmet", "score": 0.8, "box": [50, 50, 70, 90]},
                ],
            ),
            data,
        )
    writer.finish(len(photos), 0)
    return out.getvalue()


def test_review_export_zip_becomes_a_training_set_without_eval_photos(tmp_path: Path) -> None:
    bus, zidane = ((HAZARD_DATA / n).read_bytes() for n in ("bus.jpg", "zidane.jpg"))
    archive = tmp_path / "export.zip"
    archive.write_bytes(
        _review_export({"p1": bus, "p2": zidane, "p3": zidane + b"\0", "p4": bus + b"\0"})
    )
    eval_set = tmp_path / "eval" / "images"
    eval_set.mkdir(parents=True)
    (eval_set / "same-as-p1.jpg").write_bytes(bus)
    # A second source in the public set's own classes, mixed in by --map.
    public = tmp_path / "public"
    (public / "train" / "images").mkdir(parents=True)
    (public / "train" / "labels").mkdir(parents=True)
    (public / "data.yaml").write_text("names: [head, helmet, person]\n")
    (public / "train" / "images" / "a.jpg").write_bytes(bus + b"\0\0")
    (public / "train" / "labels" / "a.txt").write_text("0 .5 .5 .1 .1\n2 .5 .5 .4 .9\n")
    prepared = prepare_training_set(
        [archive, public],
        tmp_path / "data",
        MODEL_NAMES,
        parse_map(["head=Without Helmet", "helmet=With Helmet", "person=-"]),
        [tmp_path / "eval"],
        val_fraction=0.25,
    )
    assert prepared.left_out == 1
    assert (len(prepared.train), len(prepared.val)) == (3, 1)
    used = sorted(p.name for p in (*prepared.train, *prepared.val))
    assert used == [
        "0__images__p2.jpg",
        "0__images__p3.jpg",
        "0__images__p4.jpg",
        "1__train__images__a.jpg",
    ]
    label = (tmp_path / "data" / "labels" / "0__images__p2.txt").read_text().splitlines()
    assert [line.split()[0] for line in label] == ["1", "0"]  # the model's own class ids
    public_label = (tmp_path / "data" / "labels" / "1__train__images__a.txt").read_text()
    assert public_label == "1 .5 .5 .1 .1\n"  # head -> Without Helmet, the person dropped
    assert (prepared.boxes, prepared.boxes_dropped) == (7, 1)
    data = yaml.safe_load(prepared.data_yaml.read_text())
    assert data["names"] == {0: "With Helmet", 1: "Without Helmet"}
    assert Path(data["train"]).read_text().count("\n") == 3


def test_training_set_refusals(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="neither a folder nor a zip"):
        prepare_training_set([tmp_path / "nothing.txt"], tmp_path / "d", MODEL_NAMES, {}, [])
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("data.yaml", "names: [a]\n")
        zf.writestr("../outside.txt", "x")
    with pytest.raises(TrainingDataError, match="leaves the folder"):
        prepare_training_set([evil], tmp_path / "d", MODEL_NAMES, {}, [])
    folder = tmp_path / "set"
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    (folder / "data.yaml").write_text("names: [With Helmet, Without Helmet]\n")
    (folder / "images" / "a.jpg").write_bytes((HAZARD_DATA / "bus.jpg").read_bytes())
    (folder / "images" / "b.jpg").write_bytes((HAZARD_DATA / "zidane.jpg").read_bytes())
    (folder / "labels" / "a.txt").write_text("5 0.5 0.5 0.1 0.1\n")
    with pytest.raises(TrainingDataError, match=r"a\.txt:1: class 5"):
        prepare_training_set([folder], tmp_path / "d", MODEL_NAMES, {}, [])
    (folder / "labels" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    # Every photo is an evaluation photo: nothing left to train on.
    with pytest.raises(TrainingDataError, match="0 usable photos"):
        prepare_training_set([folder], tmp_path / "d", MODEL_NAMES, {}, [folder])
