"""The evaluation tool's arithmetic on a tiny labelled set whose answers are worked out by
hand, and the whole tool (model, CLI, JSON, plot) on real photos."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from inference.hazard import HazardPolicy, Tiling, default_detector
from inference.hazard.evaluate import main as evaluate_main
from inference.hazard.evaluation import (
    FORMAT,
    Found,
    evaluate_set,
    iou_matrix,
    match,
    rows_for,
    suggest_threshold,
)
from inference.hazard.labelled_set import ClassMap, LabelledSet, LabelledSetError

HAZARD_DATA = Path(__file__).resolve().parents[1] / "data" / "hazard"
NAMES = ["hard_hat", "no_hard_hat", "no_head_wear", "person"]
CLASS_MAP = "hard_hat=compliance,no_hard_hat=hazard,no_head_wear=hazard,person=ignore"
POLICY = HazardPolicy.from_mapping(
    {
        "model_sha256": "0" * 64,
        "classes": {
            "Without Helmet": {"role": "hazard", "threshold": 0.5},
            "With Helmet": {"role": "compliance"},
        },
    }
)


def write_set(root: Path, photos: dict[str, tuple[tuple[int, int], str | None]]) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "data.yaml").write_text(f"names: {NAMES}\n")
    for stem, (size, labels) in photos.items():
        Image.new("RGB", size, "gray").save(root / "images" / f"{stem}.jpg")
        if labels is not None:
            (root / "labels" / f"{stem}.txt").write_text(labels)
    return root


@pytest.fixture
def tiny(tmp_path: Path) -> LabelledSet:
    # p1: a bare head at (10,10)-(30,30), a hard hat at (60,10)-(80,30), a person (ignored).
    # p2: a bare head drawn as a polygon around (40,40)-(60,60).  p3: no label file at all.
    root = write_set(
        tmp_path / "tiny",
        {
            "p1": ((100, 100), "1 0.2 0.2 0.2 0.2\n0 0.7 0.2 0.2 0.2\n3 0.5 0.5 0.9 0.9\n"),
            "p2": ((100, 100), "2 0.4 0.4 0.6 0.4 0.6 0.6 0.4 0.6\n"),
            "p3": ((100, 100), None),
        },
    )
    return LabelledSet.load(root, ClassMap.parse(CLASS_MAP))


def found(*dets: tuple[str, float, tuple[float, float, float, float]]) -> Found:
    return Found(
        boxes=np.array([d[2] for d in dets], np.float32).reshape(-1, 4),
        scores=np.array([d[1] for d in dets], np.float32),
        hazard_class=np.array([d[0] == "Without Helmet" for d in dets], bool),
        head_class=np.array([True for _ in dets], bool),
        policy_hazard=np.array([POLICY.is_hazard(d[0], d[1]) for d in dets], bool),
    )


def test_set_reads_boxes_polygons_and_ignores_people(tiny: LabelledSet) -> None:
    p1, p2, p3 = tiny.photos
    np.testing.assert_allclose(p1.heads, [[10, 10, 30, 30], [60, 10, 80, 30]], atol=1e-4)
    assert p1.hazard.tolist() == [True, False]
    np.testing.assert_allclose(p2.heads, [[40, 40, 60, 60]], atol=1e-4)
    assert len(p3.heads) == 0
    assert (tiny.heads, tiny.hazard_heads, tiny.hazard_photos) == (3, 2, 2)


def test_counts_at_each_threshold_match_the_hand_worked_answers(tiny: LabelledSet) -> None:
    detections = [
        found(
            ("Without Helmet", 0.9, (11, 11, 31, 31)),  # the bare head: true positive
            ("Without Helmet", 0.6, (60, 10, 80, 30)),  # the hard hat called bare: false pos.
        ),
        found(("Without Helmet", 0.4, (40, 40, 60, 60))),  # only at thresholds <= 0.4
        found(("Without Helmet", 0.7, (0, 0, 10, 10))),  # nobody there: false positive
    ]
    rows, policy_row = rows_for(tiny.photos, detections, [0.3, 0.5], POLICY, 0.3)
    low, high = rows
    assert high.head.as_json() == {
        "tp": 1, "fp": 2, "fn": 1, "precision": 0.3333, "recall": 0.5, "f1": 0.4
    }  # fmt: skip
    assert (high.photo.tp, high.photo.fp, high.photo.fn, high.photo.tn) == (1, 1, 1, 0)
    assert high.heads_found == 2  # the bare head and the hard hat; the empty corner is not one
    assert (low.head.tp, low.head.fp, low.head.fn) == (2, 2, 0)
    assert (low.head.precision, low.head.recall) == (0.5, 1.0)
    assert (low.photo.tp, low.photo.fp, low.photo.fn) == (2, 1, 0)
    assert low.heads_found == 3
    # The policy says 0.5: its row is the 0.5 row.
    assert policy_row.threshold == 0.5
    assert policy_row.head == high.head
    assert policy_row.photo == high.photo


def test_a_head_is_matched_once_and_overlap_below_the_rule_misses() -> None:
    truth = np.array([[0, 0, 10, 10]], np.float32)
    two_calls = np.array([[0, 0, 10, 10], [1, 1, 11, 11]], np.float32)
    assert match(two_calls, np.array([0.9, 0.8], np.float32), truth, 0.3) == 1
    # IoU of (0,0,10,10) with (7,0,17,10) is 30/170 = 0.18: not the same head.
    shifted = np.array([[7, 0, 17, 10]], np.float32)
    assert iou_matrix(shifted, truth)[0, 0] == pytest.approx(30 / 170)
    assert match(shifted, np.array([0.9], np.float32), truth, 0.3) == 0


def test_undefined_ratios_are_null_not_zero(tiny: LabelledSet) -> None:
    nothing = [found(), found(), found()]
    (row,), _ = rows_for(tiny.photos, nothing, [0.5], POLICY, 0.3)
    assert row.head.precision is None
    assert row.head.recall == 0.0
    assert row.photo.as_json()["precision"] is None


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        ("7 0.5 0.5 0.1 0.1\n", "class 7"),
        ("1 0.5 0.5 0.1\n", "polygon"),
        ("x 0.5 0.5 0.1 0.1\n", "numbers"),
        ("1 nan 0.5 0.1 0.1\n", "finite"),
    ],
)
def test_bad_label_lines_are_refused_with_their_place(
    tmp_path: Path, labels: str, error: str
) -> None:
    root = write_set(tmp_path / "bad", {"a": ((50, 50), labels)})
    with pytest.raises(LabelledSetError, match=error) as info:
        LabelledSet.load(root, ClassMap.parse(CLASS_MAP))
    assert "a.txt:1" in str(info.value)


def test_every_class_of_the_set_must_be_mapped(tmp_path: Path) -> None:
    root = write_set(tmp_path / "s", {"a": ((50, 50), "")})
    with pytest.raises(LabelledSetError, match="'person' of the set is not in the class map"):
        LabelledSet.load(root, ClassMap.parse("hard_hat=compliance,no_hard_hat=hazard,2=hazard"))
    with pytest.raises(LabelledSetError, match="no class is a hazard"):
        ClassMap.parse("hard_hat=compliance")
    with pytest.raises(LabelledSetError, match="helmet"):
        LabelledSet.load(root, ClassMap.parse(CLASS_MAP + ",helmet=hazard"))


def test_the_tool_on_real_photos_finds_what_it_was_labelled_with(tmp_path: Path) -> None:
    """Label bus.jpg and zidane.jpg with the model's own bare-head boxes and add an empty
    frame: the tool must then report every head found and the photos exactly right, which
    checks the plumbing (pixel scaling, the sweep, the JSON, the plot) on a real model."""
    detector = default_detector()
    root = tmp_path / "real"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "data.yaml").write_text("names: {0: helmet, 1: head}\n")
    expected_heads = 0
    for name in ("bus.jpg", "zidane.jpg"):
        with Image.open(HAZARD_DATA / name) as img:
            rgb = img.convert("RGB")
        rgb.save(root / "images" / name)
        w, h = rgb.size
        lines = []
        for d in detector.detect(rgb).detections:
            if d.hazard:
                x1, y1, x2, y2 = d.box
                cx, cy, bw, bh = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h
                lines.append(f"1 {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}\n")
        assert lines, f"the model no longer flags {name}"
        expected_heads += len(lines)
        (root / "labels" / f"{Path(name).stem}.txt").write_text("".join(lines))
    Image.new("RGB", (640, 480), (90, 90, 90)).save(root / "images" / "empty.jpg")

    out = tmp_path / "out"
    code = evaluate_main(
        [
            "--set", f"{root}=helmet=compliance,head=hazard",
            "--thresholds", "0.3,0.5,0.9",
            "--json", str(out / "e.json"),
            "--plot", str(out / "pr.png"),
        ]
    )  # fmt: skip
    assert code == 0
    doc = json.loads((out / "e.json").read_text())
    assert doc["format"] == FORMAT
    assert doc["model"]["sha256"] == detector.info.sha256
    (run,) = doc["runs"]
    assert (run["photos"], run["hazard_photos"], run["hazard_heads"]) == (3, 2, expected_heads)
    row = run["policy_row"]
    assert row["head"]["recall"] == 1.0
    assert row["head"]["precision"] == 1.0
    assert row["photo"] == {
        "tp": 2, "fp": 0, "fn": 0, "tn": 1, "precision": 1.0, "recall": 1.0, "f1": 1.0
    }  # fmt: skip
    # Above every bare-head score nothing is flagged: recall 0, precision undefined.
    top = run["thresholds"][-1]
    assert top["threshold"] == 0.9
    assert top["photo"]["recall"] == 0.0
    assert top["head"]["precision"] is None
    with Image.open(out / "pr.png") as plot:
        assert plot.size[0] > 800
        assert plot.format == "PNG"

    # The same set on 2x2 tiles plus the whole photo: every head is still found, and the
    # half head a tile edge cuts off zidane's face is merged into the whole one instead of
    # becoming a second, false bare-head call. (A tile may see a head's class differently:
    # the best-scored view wins, so recall with tiles is for the evaluation to measure.)
    tiled = evaluate_set(
        detector,
        LabelledSet.load(root, ClassMap.parse("helmet=compliance,head=hazard")),
        [0.5],
        tiling=Tiling(enabled=True, columns=2, rows=2),
    )
    assert tiled.rows[0].heads_found == expected_heads
    assert tiled.rows[0].head.fp == 0
    assert len(tiled.latencies_ms) == 3


def _doc(*runs: Sequence[tuple[float, float | None, float]]) -> dict[str, Any]:
    """A summary whose whole-photo runs have (threshold, head precision, photo recall)."""
    return {
        "runs": [
            {
                "tiling": None,
                "thresholds": [
                    {"threshold": t, "head": {"precision": p}, "photo": {"recall": r}}
                    for t, p, r in rows
                ],
            }
            for rows in runs
        ]
    }


def test_suggested_threshold_keeps_head_precision_on_every_set() -> None:
    a = [(0.3, 0.79, 0.9), (0.35, 0.83, 0.8), (0.4, 0.9, 0.7)]
    b = [(0.3, 0.85, 0.95), (0.35, 0.86, 0.93), (0.4, 0.88, 0.9)]
    # 0.3 would catch most but set a drops below 0.8 there.
    assert suggest_threshold(_doc(a, b)) == 0.35
    assert suggest_threshold(_doc(a, b), min_precision=0.95) is None
    # Undefined precision (nothing flagged) never qualifies.
    assert suggest_threshold(_doc([(0.3, None, 0.0), (0.5, 0.8, 0.0)])) == 0.5
