"""The map from CANVAS_LIMIT incidents on: dots on one canvas, and a click still tells all."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import expect

from dashboard.colours import EVENT_COLOURS
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.map_view import CANVAS_LIMIT
from dashboard.store import load_incidents
from tests.browser.conftest import MAP_FRAME, RunningApp, app_on_generated_data, map_frame, open_app

ROWS = CANVAS_LIMIT + 300
# The canvas layer, found among the map's layers (streamlit-folium exposes the map as window.map).
_DOTS = """() => {
    let dots = null;
    window.map.eachLayer(layer => { if (layer.incidentCount !== undefined) dots = layer; });
    return dots;
}"""


@pytest.fixture(scope="module")
def canvas_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard on generated data with more incidents than the cluster layer takes."""
    with app_on_generated_data(tmp_path_factory, ROWS, seed=5) as running:
        yield running


def _shown(app: RunningApp) -> list[dict]:
    frame = load_incidents(app.data_file).incidents
    return filter_incidents(frame, IncidentFilter()).to_dict("records")


def _leaflet(page: object) -> object:
    """The map iframe's own frame, once the dots are painted."""
    expect(map_frame(page).locator("canvas.incident-points-drawn")).to_be_visible()
    return page.locator(MAP_FRAME).element_handle().content_frame()


def test_every_filtered_incident_is_painted_and_no_marker_is_made(
    canvas_app: RunningApp, page: object
) -> None:
    open_app(page, canvas_app.url)
    leaflet = _leaflet(page)
    expected = len(_shown(canvas_app))
    assert expected >= CANVAS_LIMIT
    assert leaflet.evaluate(f"() => ({_DOTS})().incidentCount") == expected
    expect(map_frame(page).locator(".marker-cluster, .incident-marker")).to_have_count(0)


def _isolated(incidents: list[dict]) -> dict:
    """An incident with no other within 0.1°, alone under the cursor once the map is zoomed in."""
    positions = np.array([[i["latitude"], i["longitude"]] for i in incidents])
    for index, incident in enumerate(incidents):
        distances = np.abs(positions - positions[index]).max(axis=1)
        distances[index] = np.inf
        if distances.min() > 0.1:
            return incident
    raise AssertionError("no isolated incident in the generated data")


def test_clicking_a_dot_shows_its_incident_beside_the_map(
    canvas_app: RunningApp, page: object
) -> None:
    open_app(page, canvas_app.url)
    leaflet = _leaflet(page)
    target = _isolated(_shown(canvas_app))
    where = leaflet.evaluate(
        f"""() => {{
            window.map.setView([{target["latitude"]}, {target["longitude"]}], 10,
                               {{animate: false}});
            return window.map.latLngToContainerPoint(
                [{target["latitude"]}, {target["longitude"]}]);
        }}"""
    )
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
    details = page.locator('[data-testid="stMarkdownContainer"]', has_text=target["id"]).first
    expect(details).to_be_visible()


def _pixel(leaflet: object, latitude: float, longitude: float, offset_px: int) -> list[int]:
    """The canvas's RGBA at ``offset_px`` screen pixels right of a position, once repainted."""
    return leaflet.evaluate(
        f"""() => {{
            window.map.setView([{latitude}, {longitude}], 10, {{animate: false}});
            const dots = ({_DOTS})();
            dots._paint();
            const point = window.map.latLngToContainerPoint([{latitude}, {longitude}]);
            const ratio = window.devicePixelRatio || 1;
            const pixel = dots._canvas.getContext("2d").getImageData(
                Math.round((point.x + {offset_px}) * ratio), Math.round(point.y * ratio), 1, 1);
            return Array.from(pixel.data);
        }}"""
    )


def test_a_dot_is_painted_in_its_event_colour_with_a_white_rim(
    canvas_app: RunningApp, page: object
) -> None:
    open_app(page, canvas_app.url)
    leaflet = _leaflet(page)
    target = _isolated(_shown(canvas_app))
    colour = EVENT_COLOURS[target["event_type"]].lstrip("#")
    expected = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    centre = _pixel(leaflet, target["latitude"], target["longitude"], 0)
    assert centre[3] == 255
    assert all(abs(got - want) <= 2 for got, want in zip(centre[:3], expected, strict=True))
    rim = _pixel(leaflet, target["latitude"], target["longitude"], 4)
    assert rim[3] > 0 and min(rim[:3]) > 200  # the white outline, at the dot's radius
    assert _pixel(leaflet, target["latitude"], target["longitude"], 12)[3] == 0  # clear beyond
