"""The offline land layer: the committed outline, its rebuild, and the point-on-land test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape

from dashboard.land import (
    LAND_GEOJSON,
    REGION_BOUNDS,
    build_land_layer,
    is_on_land,
    load_land_geojson,
)

MAX_BYTES = 1_500_000


def iter_positions(coordinates: Any) -> Any:
    """Yield every [lon, lat] position in nested GeoJSON coordinates."""
    if isinstance(coordinates[0], int | float):
        yield coordinates
        return
    for item in coordinates:
        yield from iter_positions(item)


def feature_named(name: str) -> dict[str, Any]:
    """Return the one feature of the land layer with that name."""
    (feature,) = [f for f in load_land_geojson()["features"] if f["properties"]["name"] == name]
    return feature


def test_land_layer_is_a_feature_collection_of_valid_polygons() -> None:
    land = load_land_geojson()
    assert land["type"] == "FeatureCollection"
    assert len(land["features"]) > 50
    for feature in land["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert shape(feature["geometry"]).is_valid, feature["properties"]
        assert set(feature["properties"]) <= {"name", "iso_a2"}
        assert feature["properties"]["name"]


def test_land_layer_stays_inside_the_region_in_lon_lat_order() -> None:
    # Swapped order would put Venezuela's positive latitudes where longitudes (<= 0) belong.
    min_lon, min_lat, max_lon, max_lat = REGION_BOUNDS
    for feature in load_land_geojson()["features"]:
        for lon, lat in iter_positions(feature["geometry"]["coordinates"]):
            assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat, (lon, lat)
            assert round(lon, 3) == lon and round(lat, 3) == lat


@pytest.mark.parametrize(
    ("name", "iso_a2", "lon", "lat"),
    [
        ("Venezuela", "VE", -66.90, 10.48),  # Caracas
        ("Trinidad and Tobago", "TT", -61.30, 10.45),
        ("Guyana", "GY", -58.16, 6.80),  # Georgetown
        ("Iceland", "IS", -21.90, 64.15),  # Reykjavik, near one of the seizures
    ],
)
def test_land_layer_holds_the_countries_of_the_campaign(
    name: str, iso_a2: str, lon: float, lat: float
) -> None:
    feature = feature_named(name)
    assert feature["properties"]["iso_a2"] == iso_a2
    assert shape(feature["geometry"]).buffer(0.05).contains(Point(lon, lat))


def test_land_layer_is_small_enough_to_send_to_every_browser() -> None:
    assert LAND_GEOJSON.stat().st_size < MAX_BYTES


def test_load_land_geojson_reads_the_file_once() -> None:
    assert load_land_geojson() is load_land_geojson()


def test_build_land_layer_reproduces_the_committed_file(tmp_path: Path) -> None:
    # Fails when the build changed but data/land.geojson was not rebuilt (python -m dashboard.land).
    rebuilt = build_land_layer(tmp_path / "land.geojson")
    assert rebuilt.read_bytes() == LAND_GEOJSON.read_bytes()


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (10.4806, -66.9036, True),  # Caracas
        (14.0, -70.0, False),  # open Caribbean Sea between Hispaniola and Venezuela
        # Lake Maracaibo is water: it opens to the Gulf of Venezuela and tankers load at its
        # terminals, so an incident there must not be flagged as "on land".
        (9.8, -71.6, False),
        (10.45, -61.3, True),  # central Trinidad
        (10.2, -62.0, False),  # Gulf of Paria, between Trinidad and Venezuela
        (64.9, -18.6, True),  # inland Iceland
        (63.0, -20.0, False),  # North Atlantic south of Iceland
        (35.7, 139.7, None),  # Tokyo: outside the outline's region, so it cannot tell
    ],
)
def test_is_on_land(lat: float, lon: float, expected: bool | None) -> None:
    assert is_on_land(lat, lon) is expected


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91.0, 0.0, "latitude must be between -90 and 90"),
        (0.0, -180.5, "longitude must be between -180 and 180"),
        (float("nan"), 0.0, "latitude"),
    ],
)
def test_is_on_land_rejects_impossible_coordinates(lat: float, lon: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        is_on_land(lat, lon)
