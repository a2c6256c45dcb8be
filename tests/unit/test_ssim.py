"""The SSIM of benchmarks/photos.py against cases whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from benchmarks.photos import luma, ssim
from tests.support.images import photo

C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


def _plane(seed: int, shape: tuple[int, int] = (64, 80)) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, shape)


def _direct(x: np.ndarray, y: np.ndarray) -> float:
    """Wang et al.'s formula evaluated window by window, with the 2-D kernel spelt out."""
    offsets = np.arange(11) - 5
    g = np.exp(-(offsets**2) / (2 * 1.5**2))
    window = np.outer(g, g) / np.outer(g, g).sum()
    values = []
    for i in range(x.shape[0] - 10):
        for j in range(x.shape[1] - 10):
            a, b = x[i : i + 11, j : j + 11], y[i : i + 11, j : j + 11]
            mu_a, mu_b = (window * a).sum(), (window * b).sum()
            var_a = (window * (a - mu_a) ** 2).sum()
            var_b = (window * (b - mu_b) ** 2).sum()
            cov = (window * (a - mu_a) * (b - mu_b)).sum()
            values.append(
                ((2 * mu_a * mu_b + C1) * (2 * cov + C2))
                / ((mu_a**2 + mu_b**2 + C1) * (var_a + var_b + C2))
            )
    return float(np.mean(values))


def test_identical_is_one() -> None:
    x = luma(photo(320, 240, seed=1))
    assert ssim(x, x) == pytest.approx(1.0, abs=1e-12)


def test_noise_lowers_it_and_more_noise_lowers_it_more() -> None:
    x = luma(photo(320, 240, seed=1))
    rng = np.random.default_rng(0)
    scores = [ssim(x, np.clip(x + rng.normal(0, sigma, x.shape), 0, 255)) for sigma in (2, 8, 32)]
    assert 1.0 > scores[0] > scores[1] > scores[2] > 0.0


def test_flat_planes_follow_the_luminance_term() -> None:
    # No variance at all: the structure term is exactly 1, luminance decides.
    a, b = np.full((40, 40), 100.0), np.full((40, 40), 140.0)
    expected = (2 * 100 * 140 + C1) / (100**2 + 140**2 + C1)
    assert ssim(a, b) == pytest.approx(expected, rel=1e-12)


def test_matches_the_formula_window_by_window() -> None:
    x = _plane(1, (24, 30))
    y = 0.6 * x + 0.4 * _plane(2, (24, 30))
    assert ssim(x, y) == pytest.approx(_direct(x, y), rel=1e-9)
    assert ssim(x, y) == pytest.approx(ssim(y, x), rel=1e-12)


def test_inverted_structure_scores_below_zero() -> None:
    x = _plane(3)
    assert ssim(x, 255 - x) < 0


def test_luma_uses_bt601_weights() -> None:
    img = Image.new("RGB", (12, 12), (200, 100, 50))
    assert luma(img)[0, 0] == pytest.approx(0.299 * 200 + 0.587 * 100 + 0.114 * 50)
    assert math.isclose(luma(Image.new("RGB", (12, 12), (255, 255, 255)))[5, 5], 255)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (np.zeros((20, 20)), np.zeros((20, 21))),
        (np.zeros((10, 20)), np.zeros((10, 20))),
        (np.zeros(400), np.zeros(400)),
    ],
)
def test_refuses_planes_it_cannot_compare(x: np.ndarray, y: np.ndarray) -> None:
    with pytest.raises(ValueError, match="SSIM"):
        ssim(x, y)
