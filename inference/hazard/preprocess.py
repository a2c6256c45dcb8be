"""Letterboxing exactly the way Ultralytics feeds its models, in numpy.

YOLO models are trained on images that OpenCV shrank with `INTER_LINEAR` (two-tap
bilinear, half-pixel centres, no antialiasing) and padded with gray 114. Pillow's
`resize(..., BILINEAR)` widens its filter when downscaling (antialiasing), which gives
a visibly softer picture and moved this model's scores by up to 0.1 in the reference
measurements, so it must not be used here. OpenCV itself is not a dependency for one
function, so the resize is reimplemented below; measured against `cv2.resize` in the
benchmark environment it differs by at most one grey level on a few pixels (OpenCV
works in 11-bit fixed point, this in float32).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

PAD_VALUE: Final = 114
_255: Final = np.float32(255.0)

U8Image = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Letterbox:
    """How a source image was placed in the model input, to map boxes back."""

    scale: float  # model-input pixels per source pixel
    pad_x: int  # left padding in model-input pixels
    pad_y: int  # top padding in model-input pixels
    width: int  # source image size
    height: int

    def to_source(self, boxes: F32Array) -> F32Array:
        """Map [N, 4] x1 y1 x2 y2 boxes from model-input pixels to source pixels.

        Not clipped: Ultralytics clips after NMS, and clipping first would change the
        overlaps NMS compares for boxes that reach into the padding.
        """
        out = boxes.astype(np.float32, copy=True)
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        return out


def _taps(n_out: int, n_in: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], F32Array]:
    """Source indices and the weight of the second tap for each output pixel along one axis.

    Half-pixel centres: output pixel i samples source coordinate (i + 0.5) * n_in / n_out - 0.5,
    clamped to the first and last source pixel as OpenCV's border handling does.
    """
    src = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    src = np.clip(src, 0.0, n_in - 1)
    first = np.floor(src).astype(np.intp)
    second = np.minimum(first + 1, n_in - 1)
    return first, second, (src - first).astype(np.float32)


def resize_bilinear(rgb: U8Image, width: int, height: int) -> U8Image:
    """OpenCV-style `INTER_LINEAR` resize of an [H, W, C] uint8 image to (width, height).

    Separable: rows are blended first, at the output height, so the column pass touches
    only as many rows as the output has; for a downscale that halves the work of a direct
    four-tap gather.
    """
    h_in, w_in = rgb.shape[:2]
    y0, y1, wy = _taps(height, h_in)
    x0, x1, wx = _taps(width, w_in)
    top = rgb[y0].astype(np.float32)
    rows = top + (rgb[y1].astype(np.float32) - top) * wy[:, None, None]
    left = rows[:, x0]
    out = left + (rows[:, x1] - left) * wx[None, :, None]
    return np.rint(out, out=out).clip(0, 255).astype(np.uint8)


def letterbox(
    rgb: U8Image, in_h: int, in_w: int, fit: tuple[int, int] | None = None
) -> tuple[F32Array, Letterbox]:
    """Scale to fit (in_h, in_w) keeping the aspect ratio, centre on gray 114, make NCHW 0..1.

    `fit` (height, width), when given, is the box the scale is computed for, and
    (in_h, in_w) only the canvas: Ultralytics' rect mode scales to fit the model's size
    and pads to a stride multiple, and recomputing the scale from the smaller canvas
    could round a side one pixel differently.

    Sizes and offsets are rounded as Ultralytics' `LetterBox` rounds them (Python's
    round-half-even for the new size, `round(d -/+ 0.1)` for the two sides of the pad), so
    boxes land on the same pixels as the reference.
    """
    h0, w0 = rgb.shape[:2]
    fit_h, fit_w = fit or (in_h, in_w)
    r = min(fit_h / h0, fit_w / w0)
    new_w, new_h = round(w0 * r), round(h0 * r)
    # An extreme aspect ratio could round a side to zero pixels; one pixel keeps it defined.
    new_w, new_h = max(1, min(new_w, in_w)), max(1, min(new_h, in_h))
    dw, dh = (in_w - new_w) / 2, (in_h - new_h) / 2
    left, top = round(dw - 0.1), round(dh - 0.1)
    resized = rgb if (new_w, new_h) == (w0, h0) else resize_bilinear(rgb, new_w, new_h)
    canvas = np.full((in_h, in_w, 3), PAD_VALUE, dtype=np.uint8)
    canvas[top : top + new_h, left : left + new_w] = resized
    # One pass from HWC uint8 to contiguous NCHW float32 in [0, 1]; a division, not a
    # multiplication by 1/255, so every value is bit-identical to Ultralytics' `im /= 255`.
    tensor = np.empty((1, 3, in_h, in_w), dtype=np.float32)
    np.divide(canvas.transpose(2, 0, 1), _255, out=tensor[0], casting="unsafe")
    return tensor, Letterbox(scale=r, pad_x=left, pad_y=top, width=w0, height=h0)
