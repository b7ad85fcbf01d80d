"""The dashboard as a reader first sees it; refreshes the README's pictures.

Set INTERDICTION_TRACKER_SCREENSHOT=1 to write them into docs/ (otherwise they go to a
temporary folder, and the test still checks each scene is drawn).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmarks.browser import MAP_FRAME
from dashboard.checks import CONFIRMED_NOTE_PREFIX
from dashboard.schema import Verification, validate_draft
from dashboard.store import AddedVia, append_incident, record_review
from tests.browser.conftest import REPO, Observed, RunningApp, map_frame, open_app, wait_for_script

DOCS = REPO / "docs"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def queued(data_copy: Path) -> str:
    """A form submission waiting for review, whose submitter confirmed a warning."""
    draft = validate_draft(
        {
            "date": "2026-01-24",
            "date_precision": "day",
            "event_type": "boarding",
            "vessel_name": "Example Trader",
            "imo": "9304667",
            "mmsi": "273123456",
            "vessel_type": "product_tanker",
            "flag": "PA",
            "false_flag": "unknown",
            "latitude": 13.9,
            "longitude": -66.2,
            "place": "Caribbean Sea north of La Guaira",
            "location_precision": "approximate",
            "agency": "US Coast Guard",
            "outcome": "boarded",
            "summary": "An example submission, shown to illustrate the review card.",
            "sources": [{"outlet": "Example Wire", "url": "https://example.org/boarding"}],
        }
    )
    incident = append_incident(
        draft, added_by="Form Example", added_via=AddedVia.FORM, path=data_copy
    )
    note = (
        CONFIRMED_NOTE_PREFIX + "possible false flag (MMSI's country differs from the flag); "
        "possible duplicate of INC-0001."
    )
    record_review(
        incident.id, Verification.UNVERIFIED, reviewer="Form Example", note=note, path=data_copy
    )
    return incident.id


def _target(name: str, tmp_path: Path) -> Path:
    return (DOCS if os.environ.get("INTERDICTION_TRACKER_SCREENSHOT") else tmp_path) / name


def _map_at_rest(page: object) -> object:
    frame = map_frame(page)
    expect(frame.locator(".marker-cluster, .incident-marker").first).to_be_visible()
    # Leaflet marks the map while it animates a zoom; the picture must show it at rest.
    expect(frame.locator(".leaflet-zoom-anim")).to_have_count(0)
    expect(frame.locator(".incident-legend")).to_be_visible()
    return frame


def _shoot(page: object, path: Path) -> None:
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000  # a real picture, not a blank page


def test_the_first_view_shows_the_caribbean_with_every_incident_accounted_for(
    app: RunningApp, page: object, observed: Observed, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    open_app(page, app.url)
    frame = _map_at_rest(page)
    expect(frame.locator(".show-all-control")).to_contain_text("outside this view")
    _shoot(page, _target("dashboard.png", tmp_path))
    assert observed.page_errors == []


def test_the_map_in_spanish(
    app: RunningApp, page: object, observed: Observed, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    open_app(page, f"{app.url}/?lang=es")
    frame = _map_at_rest(page)
    # The map's own controls speak Spanish; the data (vessel names, summaries) stays as written.
    expect(frame.locator(".show-all-control")).to_contain_text("fuera de esta vista")
    expect(frame.locator(".incident-legend")).to_contain_text("Leyenda")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Interdictions at sea")
    _shoot(page, _target("map-es.png", tmp_path))
    assert observed.page_errors == []


def test_a_popup_with_its_notes(app: RunningApp, page: object, tmp_path: Path) -> None:
    page.set_viewport_size(DESKTOP)
    open_app(page, f"{app.url}/?incident=INC-0001")
    frame = _map_at_rest(page)
    expect(frame.locator(".leaflet-popup-content .incident-notes")).to_be_visible()
    wait_for_script(page)
    _shoot(page, _target("popup.png", tmp_path))


def test_the_review_card(app: RunningApp, page: object, queued: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1440, "height": 1100})
    open_app(page, f"{app.url}/review")
    expect(page.get_by_text("Submitter confirmed warnings")).to_be_visible()
    expect(page.get_by_text("MMSI: 273123456")).to_be_visible()
    small_maps = page.locator(MAP_FRAME)
    expect(small_maps.last.content_frame.locator(".leaflet-container")).to_be_visible()
    # The card of the example submission at the top of the picture.
    page.get_by_text(queued).first.evaluate("node => node.scrollIntoView({block: 'start'})")
    _shoot(page, _target("review.png", tmp_path))


def test_the_phone_map(browser: object, app: RunningApp, tmp_path: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        open_app(page, app.url)
        _map_at_rest(page)
        map_frame(page).locator(".leaflet-container").scroll_into_view_if_needed()
        _shoot(page, _target("phone.png", tmp_path))
    finally:
        context.close()
