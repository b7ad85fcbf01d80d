"""What the map message carries: no land outline (a static file instead), a few bytes per dot."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from benchmarks.generate import write_incidents
from dashboard import map_view
from dashboard.assets import URL_PREFIX, ensure_static_assets, land_url
from dashboard.land import LAND_GEOJSON
from dashboard.map_component import render_map_payload
from dashboard.map_view import (
    CANVAS_LIMIT,
    COMPACT_SCALE,
    DETAIL_LIMIT,
    OVERVIEW_COLUMNS,
    build_incident_map,
)
from dashboard.store import load_incidents


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory):
    path = write_incidents(tmp_path_factory.mktemp("many") / "incidents.csv", CANVAS_LIMIT, seed=4)
    return load_incidents(path).incidents


def test_the_land_outline_is_a_static_file_not_part_of_the_map(tmp_path, many) -> None:
    vendor = ensure_static_assets(tmp_path)
    served = vendor / land_url().removeprefix(f"{URL_PREFIX}/")
    assert json.loads(served.read_text(encoding="utf-8")) == json.loads(
        LAND_GEOJSON.read_text(encoding="utf-8")
    )
    payload = render_map_payload(build_incident_map(many, online_tiles=False), key="map")
    assert land_url() in payload.script
    assert '"FeatureCollection"' not in payload.script


def test_from_the_canvas_limit_on_the_map_carries_dots_not_markers(many) -> None:
    payload = render_map_payload(build_incident_map(many, online_tiles=False), key="map")
    assert "incident-points" in payload.script and "markerClusterGroup" not in payload.script
    # Positions as whole thousandths of a degree and an event index: about 15 bytes each.
    assert payload.size < 40_000 + 20 * len(many)
    fewer = build_incident_map(many.head(CANVAS_LIMIT - 1), online_tiles=False)
    assert "markerClusterGroup" in render_map_payload(fewer, key="map").script


def test_the_canvas_carries_every_position_across_formatting_slices(many, monkeypatch) -> None:
    # Slices of 7 numbers: every join between slices is inside the arrays.
    monkeypatch.setattr(map_view, "FORMAT_SLICE_ROWS", 7)
    script = render_map_payload(build_incident_map(many, online_tiles=False), key="map").script
    for variable, column in (("lat", "latitude"), ("lng", "longitude")):
        (text,) = re.findall(rf"var {variable} = \[([^\]]*)\];", script)
        carried = np.array([int(number) for number in text.split(",")])
        expected = np.rint(many[column].to_numpy() * COMPACT_SCALE).astype("int64")
        np.testing.assert_array_equal(carried, expected)


def _without_element_ids(script: str) -> str:
    """The map's script with Folium's random element names made alike."""
    return re.sub(r"_[0-9a-f]{32}", "_id", script)


@pytest.mark.parametrize("rows", [DETAIL_LIMIT + 1, CANVAS_LIMIT])
def test_above_the_detail_limit_the_overview_columns_draw_the_same_map(many, rows) -> None:
    frame = many.head(rows).copy()
    frame.loc[frame.index[3], "verification"] = "rejected"  # the legend reads verification
    focus = str(frame["id"].iloc[7])
    full, narrow = (
        render_map_payload(
            build_incident_map(part, online_tiles=False, focus_id=focus), key="map"
        ).script
        for part in (frame, frame[list(OVERVIEW_COLUMNS)])
    )
    assert _without_element_ids(narrow) == _without_element_ids(full)
