"""Letterbox, resize, decode and NMS of the hazard detector, on arrays built here."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from inference.hazard.postprocess import box_iou, decode, nms, suppress
from inference.hazard.preprocess import PAD_VALUE, letterbox, resize_bilinear


def _resize_by_definition(img: npt.NDArray[np.uint8], w: int, h: int) -> npt.NDArray[np.uint8]:
    """cv2.INTER_LINEAR written out pixel by pixel from its definition (slow, obvious)."""
    h0, w0 = img.shape[:2]
    out = np.zeros((h, w, img.shape[2]), dtype=np.uint8)
    for j in range(h):
        sy = min(max((j + 0.5) * h0 / h - 0.5, 0.0), h0 - 1)
        ya = int(sy)
        yb, fy = min(ya + 1, h0 - 1), sy - int(sy)
        for i in range(w):
            sx = min(max((i + 0.5) * w0 / w - 0.5, 0.0), w0 - 1)
            xa = int(sx)
            xb, fx = min(xa + 1, w0 - 1), sx - int(sx)
            top = img[ya, xa] * (1 - fx) + img[ya, xb] * fx
            bottom = img[yb, xa] * (1 - fx) + img[yb, xb] * fx
            out[j, i] = np.rint(top * (1 - fy) + bottom * fy)
    return out


@pytest.mark.parametrize(("w", "h"), [(13, 7), (40, 30), (5, 45), (64, 64)])
def test_resize_matches_the_bilinear_definition(w: int, h: int) -> None:
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, size=(29, 37, 3), dtype=np.uint8)
    ours = resize_bilinear(img, w, h).astype(int)
    expected = _resize_by_definition(img, w, h).astype(int)
    # float32 vs float64 may round a .5 differently, never by more than one level.
    assert np.abs(ours - expected).max() <= 1
    assert (ours != expected).mean() < 0.01


def test_halving_averages_two_by_two_blocks() -> None:
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    blocks = img.reshape(20, 2, 30, 2, 3).astype(np.float64).mean(axis=(1, 3))
    assert np.abs(resize_bilinear(img, 30, 20).astype(float) - blocks).max() <= 0.5 + 1e-9


def test_resize_is_not_pillows_antialiased_filter() -> None:
    # Fine stripes: two-tap bilinear at 1/3 samples them, Pillow's widened filter blurs them.
    img = np.zeros((90, 90, 3), dtype=np.uint8)
    img[:, ::3] = 255
    ours = resize_bilinear(img, 30, 30)
    pillow = np.asarray(Image.fromarray(img).resize((30, 30), Image.Resampling.BILINEAR))
    assert np.abs(ours.astype(int) - pillow.astype(int)).max() > 40


def test_letterbox_places_a_portrait_photo_centred_on_gray() -> None:
    img = np.full((1080, 810, 3), 200, dtype=np.uint8)  # bus.jpg's size
    tensor, placement = letterbox(img, 480, 480)
    assert tensor.shape == (1, 3, 480, 480)
    assert tensor.dtype == np.float32
    assert tensor.flags["C_CONTIGUOUS"]
    assert placement.scale == pytest.approx(480 / 1080)
    assert (placement.pad_x, placement.pad_y) == (60, 0)
    pad = np.float32(PAD_VALUE / 255)
    assert np.all(tensor[0, :, :, :60] == pad)
    assert np.all(tensor[0, :, :, 420:] == pad)
    assert np.allclose(tensor[0, :, :, 60:420], 200 / 255)


def test_letterbox_odd_padding_rounds_like_ultralytics() -> None:
    # 640x427 -> 480x320: 160 px of padding split 80/80; 641 wide -> 479 x 320, pad 0.5.
    _, placement = letterbox(np.zeros((427, 640, 3), np.uint8), 480, 480)
    assert (placement.pad_x, placement.pad_y) == (0, 80)
    _, placement = letterbox(np.zeros((100, 3, 3), np.uint8), 64, 64)
    assert placement.pad_x == round((64 - 2) / 2 - 0.1)


def test_rect_canvas_keeps_the_scale_of_the_fit_box() -> None:
    # 1280x721 fits 640 wide at r = 0.5 -> 640x360 (round half even); the canvas is the
    # next stride multiple, 384. Computing the scale from the 384-high canvas instead would
    # give min(384/721, 640/1280) = 0.5 too here, but not for every size: r must come from
    # the fit box, as in Ultralytics.
    tensor, placement = letterbox(np.zeros((721, 1280, 3), np.uint8), 384, 640, fit=(640, 640))
    assert tensor.shape == (1, 3, 384, 640)
    assert placement.scale == 0.5
    assert placement.pad_y == round((384 - 360) / 2 - 0.1)


def test_boxes_map_back_to_source_pixels() -> None:
    _, placement = letterbox(np.zeros((1080, 810, 3), np.uint8), 480, 480)
    in_input = np.array([[60.0, 0.0, 420.0, 480.0], [160.0, 240.0, 200.0, 280.0]], np.float32)
    back = placement.to_source(in_input)
    assert np.allclose(back[0], [0, 0, 810, 1080], atol=0.01)
    assert np.allclose(back[1], [225, 540, 315, 630], atol=0.01)


def test_extreme_aspect_ratio_keeps_one_pixel() -> None:
    tensor, placement = letterbox(np.zeros((1, 5000, 3), np.uint8), 480, 480)
    assert tensor.shape == (1, 3, 480, 480)
    assert placement.height == 1


def _raw(rows: list[list[float]]) -> npt.NDArray[np.float32]:
    """[1, 4 + nc, N] from per-anchor rows of cx, cy, w, h, scores..."""
    return np.asarray(rows, dtype=np.float32).T[None]


def test_decode_keeps_the_best_class_above_conf() -> None:
    raw = _raw(
        [
            [50, 50, 20, 10, 0.1, 0.9],
            [10, 10, 4, 4, 0.3, 0.2],
            [10, 10, 4, 4, 0.2, 0.25],  # exactly conf: dropped (strictly above, as Ultralytics)
        ]
    )
    cands = decode(raw, 0.25)
    assert len(cands) == 2
    assert cands.classes.tolist() == [1, 0]
    assert np.allclose(cands.scores, [0.9, 0.3])
    assert np.allclose(cands.boxes[0], [40, 45, 60, 55])


def test_nms_drops_overlaps_above_the_threshold_only() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    boxes[2] = [5, 0, 15, 10]  # IoU with box 0 is exactly 1/3
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    assert nms(boxes, scores, 0.5).tolist() == [0, 2, 3]
    assert nms(boxes, scores, 1 / 3 + 1e-6).tolist() == [0, 2, 3]
    assert nms(boxes, scores, 0.3).tolist() == [0, 3]


def test_class_aware_and_agnostic_suppression() -> None:
    raw = _raw([[50, 50, 20, 20, 0.6, 0.0], [50, 51, 20, 20, 0.0, 0.7]])
    cands = decode(raw, 0.25)
    assert len(suppress(cands, 0.45, agnostic=False, max_det=300)) == 2
    one = suppress(cands, 0.45, agnostic=True, max_det=300)
    assert one.classes.tolist() == [1]
    assert len(suppress(cands, 0.45, agnostic=False, max_det=1)) == 1


def test_box_iou() -> None:
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (10, 10, 20, 20)) == 0.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)
