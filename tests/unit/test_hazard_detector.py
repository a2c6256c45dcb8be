"""The shipped hard-hat model end to end through HazardDetector: golden outputs on real
photos (tests/data/hazard, from the ultralytics wheel's assets), integrity pinning, inputs,
caching and tiling."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.hazard import (
    DEFAULT_MODEL_PATH,
    DEFAULT_MODEL_SHA256,
    DEFAULT_POLICY_PATH,
    HazardDetector,
    HazardInputError,
    HazardResult,
    ModelFormatError,
    ModelIntegrityError,
    default_detector,
)
from inference.hazard.detector import _views
from inference.hazard.model import available_cores
from inference.hazard.policy import Tiling
from inference.hazard.postprocess import box_iou

DATA = Path(__file__).resolve().parent.parent / "data" / "hazard"

# What the shipped model returned when it was added (onnxruntime 1.31, 2 threads).
# Boxes are in the photo's own pixels.
GOLDEN: dict[str, list[tuple[str, float, tuple[float, float, float, float]]]] = {
    "bus.jpg": [
        ("Without Helmet", 0.7336, (257.2, 402.3, 312.5, 477.7)),
        ("Without Helmet", 0.6587, (95.0, 392.7, 161.7, 476.3)),
    ],
    "zidane.jpg": [
        ("Without Helmet", 0.7006, (884.3, 38.8, 1073.4, 295.1)),
        ("Without Helmet", 0.6870, (466.5, 191.1, 675.8, 443.8)),
    ],
}


def _photo(name: str) -> Image.Image:
    with Image.open(DATA / name) as im:
        return im.convert("RGB")


def _policy_file(tmp_path: Path, body: str, sha: str = DEFAULT_MODEL_SHA256) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(f'model_sha256 = "{sha}"\n{body}')
    return path


HAZARD_ONLY = '[classes."Without Helmet"]\nrole = "hazard"\nthreshold = 0.5\n'


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_shipped_model_golden_output(name: str) -> None:
    result = default_detector().detect(_photo(name))
    assert result.flagged
    assert result.model == f"hardhat_finetune_480.int8qdq.onnx@{DEFAULT_MODEL_SHA256[:12]}"
    got = [(d.label, d.score, d.box) for d in result.detections]
    assert len(got) == len(GOLDEN[name]), got
    for (label, score, box), (want_label, want_score, want_box) in zip(
        got, GOLDEN[name], strict=True
    ):
        assert label == want_label
        assert abs(score - want_score) <= 0.02, got
        assert box_iou(box, want_box) >= 0.9, got
    assert all(d.hazard for d in result.detections)
    assert set(result.timings_ms) == {"pre", "infer", "post"}
    assert all(v > 0 for v in result.timings_ms.values())


def test_bus_is_flagged_without_helmet_in_stored_pixels() -> None:
    photo = _photo("bus.jpg")
    full = default_detector().detect(photo)
    half = default_detector().detect(photo.resize((405, 540), Image.Resampling.LANCZOS))
    assert half.flagged
    assert {d.label for d in half.detections if d.hazard} == {"Without Helmet"}
    # The same heads, in the half-size photo's own pixels.
    for big in full.detections:
        small = max(half.detections, key=lambda d: box_iou(tuple(v * 2 for v in d.box), big.box))
        assert box_iou(tuple(v * 2 for v in small.box), big.box) > 0.8
    w, h = photo.size
    for d in full.detections:
        x1, y1, x2, y2 = d.box
        assert 0 <= x1 < x2 <= w
        assert 0 <= y1 < y2 <= h


def test_no_people_no_detections() -> None:
    gray = np.full((900, 1200, 3), 128, dtype=np.uint8)
    result = default_detector().detect(gray)
    assert not result.flagged
    assert result.detections == []
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, size=(600, 800, 3), dtype=np.uint8)
    assert not default_detector().detect(noise).flagged


def test_json_form_for_storage() -> None:
    result = default_detector().detect(_photo("bus.jpg"))
    data = result.as_json()
    assert data["flagged"] is True
    assert data["detections"][0]["label"] == "Without Helmet"
    assert len(data["detections"][0]["box"]) == 4
    assert isinstance(result, HazardResult)


def test_threshold_comes_from_the_policy(tmp_path: Path) -> None:
    strict = _policy_file(
        tmp_path, '[classes."Without Helmet"]\nrole = "hazard"\nthreshold = 0.8\n'
    )
    result = HazardDetector.load(DEFAULT_MODEL_PATH, strict).detect(_photo("bus.jpg"))
    assert not result.flagged
    assert [d.label for d in result.detections] == ["Without Helmet", "Without Helmet"]
    assert not any(d.hazard for d in result.detections)


def test_default_detector_is_built_once_per_process() -> None:
    assert default_detector() is default_detector()
    # Another thread count is another session (never 'all cores', whatever the machine).
    assert default_detector(threads=available_cores() + 1) is not default_detector()


def test_concurrent_first_loads_share_one_session(tmp_path: Path) -> None:
    policy = _policy_file(tmp_path, HAZARD_ONLY)
    seen: list[HazardDetector] = []
    threads = [
        threading.Thread(
            target=lambda: seen.append(HazardDetector.load(DEFAULT_MODEL_PATH, policy, threads=1))
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4
    assert all(d is seen[0] for d in seen)


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "hardhat.onnx"
    shutil.copyfile(DEFAULT_MODEL_PATH, model)
    with model.open("r+b") as fh:
        fh.seek(12_000_000)
        byte = fh.read(1)
        fh.seek(12_000_000)
        fh.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(ModelIntegrityError, match="was modified, truncated or replaced"):
        HazardDetector.load(model, DEFAULT_POLICY_PATH)


def test_a_policy_pinning_another_file_is_refused(tmp_path: Path) -> None:
    policy = _policy_file(tmp_path, HAZARD_ONLY, sha="0" * 64)
    with pytest.raises(ModelIntegrityError, match="0000000000"):
        HazardDetector.load(DEFAULT_MODEL_PATH, policy)


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    import hashlib

    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not an onnx graph" * 100)
    policy = _policy_file(tmp_path, HAZARD_ONLY, sha=hashlib.sha256(fake.read_bytes()).hexdigest())
    with pytest.raises(ModelFormatError, match="onnxruntime cannot load"):
        HazardDetector.load(fake, policy)
    with pytest.raises(ModelFormatError, match="cannot read hazard model"):
        HazardDetector.load(tmp_path / "absent.onnx", policy)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((10, 10), np.uint8),
        np.zeros((10, 10, 4), np.uint8),
        np.zeros((10, 10, 3), np.float32),
        np.zeros((0, 10, 3), np.uint8),
        b"jpeg bytes",
    ],
)
def test_inputs_that_are_not_rgb_pictures(bad: object) -> None:
    with pytest.raises(HazardInputError):
        default_detector().detect(bad)  # type: ignore[arg-type]


def test_other_pil_modes_are_converted() -> None:
    photo = _photo("bus.jpg")
    assert default_detector().detect(photo.convert("RGBA")).flagged
    assert default_detector().detect(Image.new("L", (3, 2000), 90)).detections == []


def test_tiling_runs_every_tile_and_merges(tmp_path: Path) -> None:
    policy = _policy_file(
        tmp_path,
        HAZARD_ONLY + "[tiling]\nenabled = true\ngrid = [2, 2]\noverlap = 0.2\n",
    )
    detector = HazardDetector.load(DEFAULT_MODEL_PATH, policy)
    photo = _photo("bus.jpg")
    tiled = detector.detect(photo)
    assert tiled.flagged
    # Every head found on the whole photo is still there once, merged across tiles.
    for want in default_detector().detect(photo).detections:
        matches = [d for d in tiled.detections if box_iou(d.box, want.box) > 0.5]
        assert len(matches) == 1, tiled.detections
    w, h = photo.size
    assert all(
        0 <= d.box[0] < d.box[2] <= w and 0 <= d.box[1] < d.box[3] <= h for d in tiled.detections
    )


def test_tile_views_cover_the_photo() -> None:
    views = _views(1000, 600, Tiling(enabled=True, columns=2, rows=2, overlap=0.2))
    assert views[0] == (0, 0, 1000, 600)
    tiles = views[1:]
    assert len(tiles) == 4
    assert {t[0] for t in tiles} == {0, 444}
    assert {t[2] for t in tiles} == {556, 1000}
    assert {t[1] for t in tiles} == {0, 267}
    assert {t[3] for t in tiles} == {333, 600}
    assert _views(1000, 600, Tiling()) == [(0, 0, 1000, 600)]
    assert len(_views(50, 50, Tiling(enabled=True, include_whole=False, columns=3, rows=1))) == 3
