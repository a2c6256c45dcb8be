"""GeoJSON and coordinate validation.

Structure and ranges are checked here (cheap, precise messages); topology
(self-intersections) is checked by PostGIS, the same engine that later answers the
geofence queries, so what we accept is exactly what it can evaluate.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.lib.errors import Invalid

# A construction site, even a highway section, fits easily; a mistyped fence covering
# a province does not.
MAX_GEOFENCE_AREA_M2 = 500_000_000.0
MIN_GEOFENCE_AREA_M2 = 1.0
MAX_VERTICES = 5_000


class GeofenceInvalid(Invalid):
    code = "geofence_invalid"
    title = "The geofence is not a valid polygon"


class CoordinatesInvalid(Invalid):
    code = "coordinates_invalid"
    title = "Impossible coordinates"


def check_point(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise CoordinatesInvalid("lat and lon must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise CoordinatesInvalid(f"latitude {lat} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise CoordinatesInvalid(f"longitude {lon} is outside -180..180")


def check_optional_point(lat: float | None, lon: float | None) -> None:
    """An optional position (a photo or inspection may have none): both or neither."""
    if (lat is None) != (lon is None):
        raise CoordinatesInvalid("lat and lon come together or not at all")
    if lat is not None and lon is not None:
        check_point(lat, lon)


def _check_position(pos: Any, where: str) -> None:
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        raise GeofenceInvalid(f"{where}: a position must be [lon, lat]")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos):
        raise GeofenceInvalid(f"{where}: coordinates must be numbers")
    lon, lat = float(pos[0]), float(pos[1])
    try:
        check_point(lat, lon)
    except CoordinatesInvalid as exc:
        raise GeofenceInvalid(f"{where}: {exc.detail} (GeoJSON order is [lon, lat])") from exc


def _check_polygon(rings: Any, where: str) -> int:
    if not isinstance(rings, list) or not rings:
        raise GeofenceInvalid(f"{where}: a polygon needs at least one ring")
    count = 0
    for r, ring in enumerate(rings):
        at = f"{where} ring {r}"
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeofenceInvalid(f"{at}: a ring needs at least 4 positions")
        for p, pos in enumerate(ring):
            _check_position(pos, f"{at} position {p}")
        if ring[0][:2] != ring[-1][:2]:
            raise GeofenceInvalid(f"{at}: the ring is open (first and last positions differ)")
        count += len(ring)
    return count


def check_geofence_shape(geojson: Any) -> dict[str, Any]:
    """Validate the structure of a GeoJSON Polygon or MultiPolygon and return it."""
    if not isinstance(geojson, dict):
        raise GeofenceInvalid("geofence must be a GeoJSON object")
    kind = geojson.get("type")
    coords = geojson.get("coordinates")
    if kind == "Polygon":
        vertices = _check_polygon(coords, "polygon")
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise GeofenceInvalid("a MultiPolygon needs at least one polygon")
        vertices = sum(_check_polygon(poly, f"polygon {i}") for i, poly in enumerate(coords))
    else:
        raise GeofenceInvalid(f"geofence type must be Polygon or MultiPolygon, got {kind!r}")
    if vertices > MAX_VERTICES:
        raise GeofenceInvalid(f"geofence has {vertices} positions; at most {MAX_VERTICES}")
    return {"type": kind, "coordinates": coords}


def geofence_sql(geojson: dict[str, Any]) -> Any:
    """The SQL expression that turns validated GeoJSON into the stored geography."""
    return func.ST_Multi(func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(geojson)), 4326))


async def check_geofence(session: AsyncSession, geojson: Any) -> dict[str, Any]:
    """Full validation: structure here, then topology and size in PostGIS."""
    shape = check_geofence_shape(geojson)
    geom = geofence_sql(shape)
    row = (
        await session.execute(
            select(
                func.ST_IsValid(geom),
                func.ST_IsValidReason(geom),
                func.ST_Area(func.geography(geom)),
            )
        )
    ).one()
    valid, reason, area = row
    if not valid:
        raise GeofenceInvalid(f"geofence is not a simple polygon: {reason}")
    if area < MIN_GEOFENCE_AREA_M2:
        raise GeofenceInvalid("geofence encloses no area")
    if area > MAX_GEOFENCE_AREA_M2:
        raise GeofenceInvalid(f"geofence covers {area / 1e6:.0f} km2; at most 500 km2")
    return shape


def geofence_geojson_sql(column: Any) -> Any:
    """Stored MultiPolygons with one part come back as the Polygon the client sent."""
    geom = func.geometry(column)
    single = case((func.ST_NumGeometries(geom) == 1, func.ST_GeometryN(geom, 1)), else_=geom)
    return func.ST_AsGeoJSON(single, 7)


def point_geography(lat: Any, lon: Any) -> Any:
    """A WGS 84 point as geography (metres in distances), from values or columns."""
    return func.geography(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326))
