"""The map above DETAIL_LIMIT incidents: compact markers, all drawn, and a click still tells all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.map_view import DETAIL_LIMIT
from dashboard.store import load_incidents
from tests.browser.conftest import MAP_FRAME, RunningApp, app_on_generated_data, map_frame, open_app

ROWS = DETAIL_LIMIT + 500
# The markers live in one cluster group; streamlit-folium exposes the map as window.map.
_CLUSTER_GROUP = """() => {
    let group = null;
    window.map.eachLayer(layer => { if (layer.getVisibleParent && !group) group = layer; });
    return group;
}"""


@pytest.fixture(scope="module")
def large_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard on generated data, more incidents than the map shows with popups."""
    with app_on_generated_data(tmp_path_factory, ROWS, seed=3) as running:
        yield running


def _shown(data_file: Path) -> list[dict]:
    return filter_incidents(load_incidents(data_file).incidents, IncidentFilter()).to_dict(
        "records"
    )


def _leaflet(page: object) -> object:
    """The map iframe's own frame, where Leaflet's objects can be read."""
    expect(map_frame(page).locator(".marker-cluster").first).to_be_visible()
    return page.locator(MAP_FRAME).element_handle().content_frame()


def test_every_filtered_incident_is_a_marker_in_the_compact_layer(
    large_app: RunningApp, page: object
) -> None:
    open_app(page, large_app.url)
    leaflet = _leaflet(page)
    expected = len(_shown(large_app.data_file))
    assert expected > DETAIL_LIMIT
    leaflet.wait_for_function(f"() => ({_CLUSTER_GROUP})().getLayers().length === {expected}")


def _isolated(incidents: list[dict]) -> dict:
    """An incident with no other within 0.1°, drawn on its own once the map is zoomed in."""
    positions = np.array([[i["latitude"], i["longitude"]] for i in incidents])
    for index, incident in enumerate(incidents):
        distances = np.abs(positions - positions[index]).max(axis=1)
        distances[index] = np.inf
        if distances.min() > 0.1:
            return incident
    raise AssertionError("no isolated incident in the generated data")


def test_clicking_a_compact_marker_shows_its_incident_beside_the_map(
    large_app: RunningApp, page: object
) -> None:
    open_app(page, large_app.url)
    leaflet = _leaflet(page)
    target = _isolated(_shown(large_app.data_file))
    # Zoomed in on the incident until its marker stands alone, then clicked where it is drawn.
    find_marker = f"""() => ({_CLUSTER_GROUP})().getLayers().find(marker =>
        Math.abs(marker.getLatLng().lat - {target["latitude"]}) < 1e-3
        && Math.abs(marker.getLatLng().lng - {target["longitude"]}) < 1e-3)"""
    leaflet.evaluate(
        f"""() => window.map.setView([{target["latitude"]}, {target["longitude"]}], 12,
                                     {{animate: false}})"""
    )
    # Drawn on its own, the marker is a layer of the map (in a cluster, it is not).
    leaflet.wait_for_function(f"() => window.map.hasLayer(({find_marker})())")
    where = leaflet.evaluate(
        f"() => window.map.latLngToContainerPoint(({find_marker})().getLatLng())"
    )
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
    details = page.locator('[data-testid="stMarkdownContainer"]', has_text=target["id"]).first
    expect(details).to_be_visible()
