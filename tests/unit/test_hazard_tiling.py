"""Tiling: overlapping crops plus the whole photo, merged by one class-agnostic NMS.

A stand-in model that "detects" the one white square in its input shows the merge
exactly (every view sees the same head; one detection must come out); the shipped model
shows what tiling buys on a zoomed-out photo. `Tiling.from_mapping` is the single
validator of a policy's [tiling] table and a site's `hazard_tiling`.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inference.hazard import HazardDetector, PolicyError, Tiling, default_detector
from inference.hazard.detector import _views
from inference.hazard.model import ModelInfo
from inference.hazard.policy import HazardPolicy
from inference.hazard.postprocess import box_iou
from tests.support.hazard_photos import far_bus

SHA = "0" * 64
NAMES = ("helmet", "head")


class WhiteSquareModel:
    """Reports the bounding box of the white pixels in its input, as a YOLO head would
    (centre, size in input pixels, one score per class). Views alternate the class and
    vary the score, as a real model's tiles disagree on a borderline head."""

    def __init__(self) -> None:
        self.inputs: list[tuple[int, int]] = []

    def run(self, output_names: list[str] | None, feed: dict[str, Any]) -> list[Any]:
        tensor = next(iter(feed.values()))
        self.inputs.append(tensor.shape[2:])
        out = np.zeros((1, 4 + len(NAMES), 8), np.float32)
        ys, xs = np.nonzero((tensor[0] > 0.98).all(axis=0))
        if xs.size:
            x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            out[0, :4, 0] = [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]
            view = len(self.inputs)
            out[0, 4 + view % 2, 0] = 0.6 + 0.05 * (view % 3)
        return [out]


def _fake_detector(session: WhiteSquareModel) -> HazardDetector:
    info = ModelInfo(Path("square.onnx"), SHA, NAMES, "images", 320, 320, 32)
    policy = HazardPolicy.from_mapping(
        {"model_sha256": SHA, "classes": {"head": {"role": "hazard", "threshold": 0.5}}}
    )
    return HazardDetector(session, info, policy)


def _photo_with_square(box: tuple[int, int, int, int]) -> np.ndarray[Any, np.dtype[np.uint8]]:
    photo = np.full((900, 1200, 3), 60, np.uint8)
    x0, y0, x1, y1 = box
    photo[y0:y1, x0:x1] = 255
    return photo


def test_a_head_seen_whole_and_in_every_tile_is_one_detection() -> None:
    model = WhiteSquareModel()
    # In the middle of a 2x2 grid with 20% overlap: inside all four tiles and the whole.
    square = (570, 420, 630, 480)
    result = _fake_detector(model).detect(
        _photo_with_square(square), tiling=Tiling(True, 2, 2, 0.2, True)
    )
    assert len(model.inputs) == 5  # the whole photo, then four tiles
    assert len(result.detections) == 1, result.detections
    only = result.detections[0]
    assert box_iou(only.box, tuple(map(float, square))) > 0.8
    # Whichever class the best view gave: agnostic NMS keeps one box, not one per class.
    assert only.score == pytest.approx(0.7, abs=1e-4)


def test_a_head_in_two_tiles_without_the_whole_photo_is_one_detection() -> None:
    model = WhiteSquareModel()
    # On the vertical seam of a 2x1 grid: both tiles see all of it.
    square = (580, 300, 620, 340)
    result = _fake_detector(model).detect(
        _photo_with_square(square), tiling=Tiling(True, 2, 1, 0.25, False)
    )
    assert len(model.inputs) == 2
    assert len(result.detections) == 1
    assert box_iou(result.detections[0].box, tuple(map(float, square))) > 0.8


def test_tiles_off_runs_the_whole_photo_once() -> None:
    model = WhiteSquareModel()
    result = _fake_detector(model).detect(
        _photo_with_square((100, 100, 160, 160)), tiling=Tiling(enabled=False)
    )
    assert len(model.inputs) == 1
    assert len(result.detections) == 1


@pytest.mark.parametrize(
    ("width", "height", "columns", "rows", "overlap"),
    [(1200, 900, 2, 2, 0.2), (2048, 1536, 3, 3, 0.2), (641, 479, 3, 2, 0.35), (1000, 50, 8, 1, 0)],
)
def test_tiles_cover_the_photo_with_the_configured_overlap(
    width: int, height: int, columns: int, rows: int, overlap: float
) -> None:
    tiling = Tiling(True, columns, rows, overlap, include_whole=False)
    tiles = _views(width, height, tiling)
    assert len(tiles) == columns * rows
    covered = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in tiles:
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    for spans, size, count in (
        (sorted({(t[0], t[2]) for t in tiles}), width, columns),
        (sorted({(t[1], t[3]) for t in tiles}), height, rows),
    ):
        assert len(spans) == count
        assert spans[0][0] == 0
        assert spans[-1][1] == size
        length = size / (count - overlap * (count - 1))
        for start, end in spans:
            assert abs((end - start) - length) <= 1
        for (_, end), (start, _) in itertools.pairwise(spans):
            # Neighbours share `overlap` of a tile's length (to a pixel of rounding).
            assert abs((end - start) - overlap * length) <= 1


def test_whole_photo_first_when_included() -> None:
    views = _views(1200, 900, Tiling(True, 3, 3, 0.2, True))
    assert views[0] == (0, 0, 1200, 900)
    assert len(views) == 10


def test_tiling_finds_the_heads_of_a_zoomed_out_photo() -> None:
    photo, (x0, y0, x1, y1) = far_bus()
    detector = default_detector()
    assert detector.detect(photo, tiling=Tiling(enabled=False)).detections == []
    tiled = detector.detect(photo, tiling=Tiling(True, 3, 3, 0.2, True))
    assert tiled.flagged
    bare = [d for d in tiled.detections if d.hazard]
    # bus.jpg's two bare heads, each once, inside the pasted region.
    assert len(bare) == 2, tiled.detections
    assert box_iou(bare[0].box, bare[1].box) == 0
    for d in bare:
        assert x0 <= d.box[0] < d.box[2] <= x1
        assert y0 <= d.box[1] < d.box[3] <= y1


# --- Tiling.from_mapping: one validator for the policy file and a site's grid ----------


def test_site_form_defaults_to_enabled_and_reads_back() -> None:
    tiling = Tiling.from_mapping({"grid": [3, 2]}, enabled=True)
    assert tiling == Tiling(True, 3, 2, 0.2, True)
    assert tiling.as_mapping() == {"grid": [3, 2], "overlap": 0.2, "include_whole": True}
    assert Tiling.from_mapping(tiling.as_mapping(), enabled=True) == tiling
    off = Tiling.from_mapping({"enabled": False}, enabled=True)
    assert not off.enabled
    assert off.as_mapping() == {"enabled": False}
    assert Tiling.from_mapping(off.as_mapping(), enabled=True) == off


def test_policy_form_defaults_to_disabled() -> None:
    assert not Tiling.from_mapping({"grid": [2, 2]}).enabled
    assert Tiling.from_mapping({}).as_mapping() == {"enabled": False}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"grid": [2]}, r"grid must be \[columns, rows\], each 1..8"),
        ({"grid": [2, 9]}, "each 1..8"),
        ({"grid": [0, 2]}, "each 1..8"),
        ({"grid": [2.0, 2]}, "each 1..8"),
        ({"grid": [True, 2]}, "each 1..8"),
        ({"grid": "2x2"}, "grid must be a list"),
        ({"overlap": 0.9}, "overlap must be below 0.9"),
        ({"overlap": -0.1}, "overlap must be between 0 and 1"),
        ({"overlap": "0.2"}, "overlap must be a number"),
        ({"enabled": "yes"}, "enabled must be a bool"),
        ({"include_whole": 1}, "include_whole must be a bool"),
        ({"grid": [1, 1]}, "a 1x1 grid plus the whole photo runs it twice"),
        ({"grid": [2, 2], "size": 640}, r"unknown keys \['size'\]"),
    ],
)
def test_invalid_tiling_is_refused_with_its_reason(raw: dict[str, Any], reason: str) -> None:
    with pytest.raises(PolicyError, match=reason) as site_error:
        Tiling.from_mapping(raw, where="hazard_tiling", enabled=True)
    assert str(site_error.value).startswith("hazard_tiling: ")
    # The policy file refuses the same table for the same reason (when it is enabled).
    table = {"enabled": True, **raw}
    with pytest.raises(PolicyError, match=reason):
        HazardPolicy.from_mapping(
            {
                "model_sha256": SHA,
                "classes": {"head": {"role": "hazard", "threshold": 0.5}},
                "tiling": table,
            }
        )


def test_a_1x1_grid_alone_is_allowed() -> None:
    # One tile without the whole photo is the whole photo: pointless but harmless.
    assert Tiling.from_mapping({"grid": [1, 1], "include_whole": False}, enabled=True).enabled
