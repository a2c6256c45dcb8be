"""Structural GeoJSON and coordinate checks (no database needed)."""

from __future__ import annotations

import pytest

from api.lib.geo import CoordinatesInvalid, GeofenceInvalid, check_geofence_shape, check_point


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(91, 0), (-90.5, 0), (0, 180.01), (0, -200), (float("nan"), 0), (0, float("inf"))],
)
def test_impossible_points(lat: float, lon: float) -> None:
    with pytest.raises(CoordinatesInvalid):
        check_point(lat, lon)


def test_edge_points_are_fine() -> None:
    check_point(90, 180)
    check_point(-90, -180)


def test_swapped_lat_lon_is_explained() -> None:
    ring = [[39.9, 116.3], [39.91, 116.3], [39.91, 116.31], [39.9, 116.31], [39.9, 116.3]]
    with pytest.raises(GeofenceInvalid, match=r"\[lon, lat\]"):
        check_geofence_shape({"type": "Polygon", "coordinates": [ring]})


def test_booleans_are_not_coordinates() -> None:
    ring = [[True, 0], [1, 0], [1, 1], [True, 0]]
    with pytest.raises(GeofenceInvalid, match="numbers"):
        check_geofence_shape({"type": "Polygon", "coordinates": [ring]})


def test_too_many_vertices() -> None:
    ring = [[i * 1e-5, 0.0] for i in range(6000)] + [[0.0, 0.0]]
    with pytest.raises(GeofenceInvalid, match="at most"):
        check_geofence_shape({"type": "Polygon", "coordinates": [ring]})


def test_valid_polygon_passes_through() -> None:
    ring = [[116.3, 39.9], [116.31, 39.9], [116.31, 39.91], [116.3, 39.9]]
    shape = {"type": "Polygon", "coordinates": [ring], "bbox": [0, 0, 1, 1]}
    assert check_geofence_shape(shape) == {"type": "Polygon", "coordinates": [ring]}
