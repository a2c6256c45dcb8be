"""Parity with Ultralytics' own PyTorch `predict`.

The reference model (helmet_yolov12_640.onnx, the third-party weights exported unchanged)
and what Ultralytics returns for it (reference_detections_ultralytics.txt, conf 0.25,
iou 0.45, imgsz 640, class-aware NMS) live in ../shared/models beside the repository, not
in it: the model is 79 MB and is not part of the product. Where that folder is absent the
test is skipped and says why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from inference.hazard import HazardDetector
from inference.hazard.postprocess import box_iou

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
MODEL = SHARED / "models" / "helmet_yolov12_640.onnx"
REFERENCE = SHARED / "models" / "reference_detections_ultralytics.txt"
MODEL_SHA256 = "ebc46bcc6c9851f44d537a51becdfdf966ca1e0180c0a3bc4a18496e9a3b27c4"
IMAGES = {
    "bus.jpg": "hazard",
    "zidane.jpg": "hazard",
    "obama.jpg": "faces",
    "obama3.jpg": "faces",
    "biden.jpg": "faces",
}

needs_shared = pytest.mark.skipif(
    not (MODEL.is_file() and REFERENCE.is_file()),
    reason=f"parity reference not here: {MODEL} and {REFERENCE} live outside the repository",
)


def _reference() -> dict[str, list[dict[str, object]]]:
    out = {}
    for line in REFERENCE.read_text().splitlines():
        model, image, dets = line.split(" ", 2)
        if model == "helmet":
            out[image] = json.loads(dets)
    return out


@pytest.fixture(scope="module")
def reference_detector(tmp_path_factory: pytest.TempPathFactory) -> HazardDetector:
    policy = tmp_path_factory.mktemp("parity") / "reference.toml"
    # Ultralytics' predict defaults: class-aware NMS, conf 0.25, iou 0.45.
    policy.write_text(
        f'model_sha256 = "{MODEL_SHA256}"\nconf = 0.25\niou = 0.45\nagnostic_nms = false\n'
        '[classes."Without Helmet"]\nrole = "hazard"\nthreshold = 0.5\n'
    )
    return HazardDetector.load(MODEL, policy, threads=2)


@needs_shared
def test_reference_file_covers_the_images() -> None:
    assert set(_reference()) == set(IMAGES)
    assert hashlib.sha256(MODEL.read_bytes()).hexdigest() == MODEL_SHA256


@needs_shared
@pytest.mark.parametrize("image", sorted(IMAGES))
def test_detections_match_ultralytics_predict(
    reference_detector: HazardDetector, image: str
) -> None:
    path = SHARED / "data" / IMAGES[image] / image
    with Image.open(path) as im:
        photo = ImageOps.exif_transpose(im).convert("RGB")
    assert (reference_detector.info.in_h, reference_detector.info.in_w) == (640, 640)
    ours = reference_detector.detect(photo).detections
    want = _reference()[image]
    assert len(ours) == len(want), (ours, want)
    # Both lists are best score first; pair them in that order.
    for got, ref in zip(ours, want, strict=True):
        ref_box = tuple(float(v) for v in ref["box"])  # type: ignore[attr-defined]
        assert got.label == ref["name"]
        assert abs(got.score - float(ref["score"])) <= 0.02, (got, ref)  # type: ignore[arg-type]
        assert box_iou(got.box, ref_box) >= 0.9, (got, ref)
