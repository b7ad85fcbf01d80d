"""The map as a person sees it: markers, popups, the offline land layer and escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.schema import validate_draft
from dashboard.store import AddedVia, append_incident, load_incidents
from tests.browser.conftest import Observed, RunningApp, map_frame, open_app

HOSTILE_SUMMARY = "<img src=x onerror=alert(1)> ${alert(2)} `"
HOSTILE_VESSEL = "<script>alert(3)</script>Evil"


@pytest.fixture(scope="module")
def hostile_incident(data_copy: Path) -> str:
    """A row whose text tries to run script wherever it is shown; returns its id."""
    draft = validate_draft(
        {
            "date": "2026-01-05",
            "date_precision": "day",
            "event_type": "boarding",
            "vessel_name": HOSTILE_VESSEL,
            "vessel_type": "go_fast_boat",
            "false_flag": "unknown",
            "latitude": 18.0,
            "longitude": -85.0,
            "place": "western Caribbean",
            "location_precision": "exact",
            "agency": "test",
            "outcome": "unknown",
            "summary": HOSTILE_SUMMARY,
            "sources": [{"outlet": "<b>x</b>", "url": "https://example.org/a?b=<i>"}],
        }
    )
    return append_incident(draft, added_by="test", added_via=AddedVia.CLI, path=data_copy).id


def drawn_incident_count(page: object) -> int:
    """Markers drawn on their own plus the counts written on cluster bubbles."""
    frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible()
    expect(frame.locator(".incident-marker, .marker-cluster").first).to_be_visible()
    # The map opens on the Caribbean; Leaflet draws only the markers in view.
    show_all = frame.locator(".show-all-control", has_text="show all")
    if show_all.count():
        show_all.click()
        expect(frame.locator(".leaflet-zoom-anim")).to_have_count(0)
    single = frame.locator(".incident-marker").count()
    clustered = sum(int(text) for text in frame.locator(".marker-cluster span").all_inner_texts())
    return single + clustered


def visible_count(data_file: Path, incident_filter: IncidentFilter) -> int:
    """How many incidents the filter lets through, computed from the file itself."""
    return len(filter_incidents(load_incidents(data_file).incidents, incident_filter))


def test_every_filtered_incident_is_on_the_map(
    app: RunningApp, page: object, observed: Observed, hostile_incident: str
) -> None:
    open_app(page, app.url)
    assert drawn_incident_count(page) == visible_count(app.data_file, IncidentFilter())
    assert observed.page_errors == []


def test_a_flag_in_the_link_leaves_only_that_flag_on_the_map(
    app: RunningApp, page: object, hostile_incident: str
) -> None:
    open_app(page, f"{app.url}/?flag=PA")
    expected = visible_count(app.data_file, IncidentFilter(flags=("PA",)))
    assert expected > 0
    assert drawn_incident_count(page) == expected


def test_the_offline_land_layer_is_drawn_with_no_network(
    app: RunningApp, page: object, observed: Observed
) -> None:
    open_app(page, app.url)
    land = map_frame(page).locator(".leaflet-land-pane canvas")
    expect(land).to_be_attached()
    painted = land.evaluate(
        """canvas => {
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let opaque = 0;
            for (let i = 3; i < pixels.data.length; i += 4) if (pixels.data[i] > 0) opaque++;
            return opaque / (canvas.width * canvas.height);
        }"""
    )
    # Land covers a good part of the Caribbean view: far more than nothing, less than all.
    assert 0.05 < painted < 0.95
    # Tiles were asked for and refused, and the map is still there: nothing left this machine.
    assert all("tile.openstreetmap.org" in url for url in observed.off_host_requests)


def test_a_marker_popup_shows_the_vessel_and_its_sources(
    app: RunningApp, page: object, hostile_incident: str
) -> None:
    # One vessel's name leaves exactly one marker (several ships flew Panama's flag).
    open_app(page, f"{app.url}/?q=Centuries")
    (centuries,) = filter_incidents(
        load_incidents(app.data_file).incidents, IncidentFilter(text="Centuries")
    ).to_dict("records")
    frame = map_frame(page)
    frame.locator(".incident-marker").first.click()
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(centuries["vessel_name"])
    links = popup.locator("a[href^='https://']")
    expect(links).to_have_count(len(centuries["sources"]))
    assert links.first.get_attribute("target") == "_blank"


def test_hostile_text_shows_as_text_and_runs_nothing(
    app: RunningApp, page: object, observed: Observed, hostile_incident: str
) -> None:
    open_app(page, f"{app.url}/?q=Evil")
    frame = map_frame(page)
    frame.locator(".incident-marker").first.click()
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(HOSTILE_SUMMARY)
    expect(popup).to_contain_text(HOSTILE_VESSEL)
    expect(popup).to_contain_text("<b>x</b>")
    # None of the tags the row carries became an element.
    expect(popup.locator("img, script, b, i")).to_have_count(0)
    # The details beside the map show the same text, also inert.
    expect(page.get_by_text("Evil", exact=False).first).to_be_visible()
    assert observed.dialogs == []
    assert observed.page_errors == []


def test_clicking_a_marker_shows_its_details_beside_the_map(
    app: RunningApp, page: object, hostile_incident: str
) -> None:
    # One vessel's name leaves exactly one marker (several ships flew Panama's flag).
    open_app(page, f"{app.url}/?q=Centuries")
    (centuries,) = filter_incidents(
        load_incidents(app.data_file).incidents, IncidentFilter(text="Centuries")
    ).to_dict("records")
    map_frame(page).locator(".incident-marker").first.click()
    details = page.locator('[data-testid="stMarkdownContainer"]', has_text=centuries["id"])
    expect(details).to_be_visible()
