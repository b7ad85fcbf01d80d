"""The map as a reader first meets it (issue 9): the opening view, popups that fit, the legend,
how sure each point is, strikes by casualties, keyboard use and permalinks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.map_view import in_caribbean
from dashboard.schema import Verification, validate_draft
from dashboard.store import AddedVia, append_incident, load_incidents, record_review
from tests.browser.conftest import Observed, RunningApp, map_frame, open_app, wait_for_script

STRIKE_KILLED = 6


@pytest.fixture(scope="module")
def added(data_copy: Path) -> dict[str, str]:
    """An unverified strike with casualties, added as the form would; returns its id."""
    draft = validate_draft(
        {
            "date": "2026-01-12",
            "date_precision": "day",
            "event_type": "strike",
            "vessel_type": "go_fast_boat",
            "false_flag": "unknown",
            "latitude": 16.5,
            "longitude": -72.0,
            "place": "Caribbean Sea south of Hispaniola",
            "location_precision": "approximate",
            "agency": "US military",
            "outcome": "destroyed",
            "killed": STRIKE_KILLED,
            "summary": "A strike on a small boat said to carry drugs.",
            "sources": [{"outlet": "Test Wire", "url": "https://example.org/strike"}],
        }
    )
    incident = append_incident(draft, added_by="test", added_via=AddedVia.CLI, path=data_copy)
    return {"strike": incident.id}


def visible(data_file: Path, incident_filter: IncidentFilter | None = None):
    return filter_incidents(
        load_incidents(data_file).incidents, incident_filter or IncidentFilter()
    )


def map_state(page: object) -> dict:
    """The Leaflet map's centre, zoom and visible bounds, read in its iframe."""
    return (
        map_frame(page)
        .locator(".leaflet-container")
        .evaluate(
            """() => {
                const map = window.map, c = map.getCenter(), b = map.getBounds();
                return {lat: c.lat, lng: c.lng, zoom: map.getZoom(), south: b.getSouth(),
                        north: b.getNorth(), west: b.getWest(), east: b.getEast()};
            }"""
        )
    )


def shows(state: dict, latitude: float, longitude: float) -> bool:
    """True when the map's view takes in the point."""
    inside_latitude = state["south"] <= latitude <= state["north"]
    return inside_latitude and state["west"] <= longitude <= state["east"]


def settle(page: object) -> None:
    """Wait until the map has finished any pan or zoom (Leaflet animates auto-pans)."""
    map_frame(page).locator(".leaflet-container").evaluate(
        """() => new Promise(resolve => {
            const map = window.map;
            const moving = () => (map._panAnim && map._panAnim._inProgress) || map._animatingZoom;
            const check = () => moving() ? requestAnimationFrame(check) : resolve();
            requestAnimationFrame(() => requestAnimationFrame(check));
        })"""
    )


def wait_for_markers(page: object) -> object:
    frame = map_frame(page)
    expect(frame.locator(".incident-marker, .marker-cluster").first).to_be_visible()
    expect(frame.locator(".leaflet-zoom-anim")).to_have_count(0)
    return frame


def test_the_map_opens_on_the_caribbean_and_offers_the_rest(
    app: RunningApp, page: object, added: dict[str, str]
) -> None:
    open_app(page, app.url)
    frame = wait_for_markers(page)
    incidents = visible(app.data_file)
    inside = in_caribbean(incidents)
    outside = incidents[~inside]
    assert inside.any() and len(outside), "the curated data has Marinera off Iceland"
    state = map_state(page)
    for row in incidents[inside].itertuples():
        assert shows(state, row.latitude, row.longitude), row.id
    marinera = outside[outside["vessel_name"] == "Marinera"].iloc[0]
    assert not shows(state, marinera.latitude, marinera.longitude)
    noun = "incident" if len(outside) == 1 else "incidents"
    control = frame.get_by_role(
        "button", name=f"{len(outside)} {noun} outside this view — show all"
    )
    control.click()
    expect(frame.get_by_role("button", name="Back to the Caribbean")).to_be_visible()
    state = map_state(page)
    assert all(shows(state, row.latitude, row.longitude) for row in outside.itertuples())


def test_a_filter_leaving_only_far_incidents_fits_them(app: RunningApp, page: object) -> None:
    open_app(page, f"{app.url}/?flag=RU")
    frame = wait_for_markers(page)
    far = visible(app.data_file, IncidentFilter(flags=("RU",)))
    assert len(far) and not in_caribbean(far).any()
    state = map_state(page)
    assert all(shows(state, row.latitude, row.longitude) for row in far.itertuples())
    expect(frame.locator(".show-all-control")).to_have_count(0)


@pytest.mark.parametrize("query", ["", "?flag=PA"])
def test_every_marker_lies_inside_the_map_with_padding(
    app: RunningApp, page: object, query: str, added: dict[str, str]
) -> None:
    open_app(page, f"{app.url}/{query}")
    frame = wait_for_markers(page)
    container = frame.locator(".leaflet-container").bounding_box()
    incidents = visible(app.data_file)
    in_view = set(incidents.loc[in_caribbean(incidents), "id"])
    checked = 0
    for marker in opening_markers(frame, in_view):
        box = marker.bounding_box()
        assert box["x"] >= container["x"] + 20
        assert box["y"] >= container["y"] + 20
        assert box["x"] + box["width"] <= container["x"] + container["width"] - 20
        assert box["y"] + box["height"] <= container["y"] + container["height"] - 20
        checked += 1
    assert checked > 0


def marker_of(frame: object, incident_id: str) -> object:
    """The marker of one incident, found by the id its icon carries."""
    return frame.locator(f".incident-marker:has([data-incident-id='{incident_id}'])")


def opening_markers(frame: object, in_view: set[str]) -> list[object]:
    """The drawn markers of the incidents the map opens on, and the clusters among them."""
    drawn = frame.locator(".incident-marker .incident-dot").evaluate_all(
        "dots => dots.map(dot => dot.dataset.incidentId)"
    )
    found = [marker_of(frame, incident_id) for incident_id in drawn if incident_id in in_view]
    clusters = frame.locator(".marker-cluster")
    container = frame.locator(".leaflet-container").bounding_box()
    for index in range(clusters.count()):
        box = clusters.nth(index).bounding_box()
        middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # Clusters carry no ids: those centred in the map are of incidents in the view.
        if (
            container["x"] <= middle_x <= container["x"] + container["width"]
            and container["y"] <= middle_y <= container["y"] + container["height"]
        ):
            found.append(clusters.nth(index))
    return found


@pytest.mark.parametrize(
    ("query", "incident_filter"),
    [
        ("", IncidentFilter()),  # everything: strikes clustered, tankers apart
        ("?type=seizure", IncidentFilter(event_types=("seizure",))),  # the tankers, unclustered
    ],
)
def test_clicking_any_marker_keeps_the_view_on_the_incidents(
    app: RunningApp,
    page: object,
    added: dict[str, str],
    query: str,
    incident_filter: IncidentFilter,
) -> None:
    open_app(page, f"{app.url}/{query}")
    frame = wait_for_markers(page)
    incidents = visible(app.data_file, incident_filter)
    caribbean = incidents[in_caribbean(incidents)]
    south, north = caribbean["latitude"].min(), caribbean["latitude"].max()
    west, east = caribbean["longitude"].min(), caribbean["longitude"].max()
    opening = map_state(page)
    drawn = frame.locator(".incident-marker .incident-dot").evaluate_all(
        "dots => dots.map(dot => dot.dataset.incidentId)"
    )
    clickable = [incident_id for incident_id in drawn if incident_id in set(caribbean["id"])]
    assert len(clickable) >= 3
    for index, incident_id in enumerate(clickable):
        marker_of(frame, incident_id).click()
        popup = frame.locator(".leaflet-popup")
        expect(popup).to_be_visible()
        wait_for_script(page)
        settle(page)
        state = map_state(page)
        assert south <= state["lat"] <= north and west <= state["lng"] <= east, (index, state)
        # The whole popup, source links included, is on the map.
        container = frame.locator(".leaflet-container").bounding_box()
        box = popup.bounding_box()
        assert box["y"] >= container["y"] and box["x"] >= container["x"]
        assert box["y"] + box["height"] <= container["y"] + container["height"]
        frame.locator(".leaflet-container").evaluate(
            "(node, view) => { window.map.closePopup(); "
            "window.map.setView([view.lat, view.lng], view.zoom, {animate: false}); }",
            opening,
        )
        expect(frame.locator(".leaflet-popup")).to_have_count(0)  # faded out


def test_the_popup_says_how_sure_we_are(app: RunningApp, page: object) -> None:
    open_app(page, f"{app.url}/?q=Centuries")
    (centuries,) = visible(app.data_file, IncidentFilter(text="Centuries")).to_dict("records")
    frame = wait_for_markers(page)
    frame.locator(".incident-marker").first.click()
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Verification")
    expect(popup).to_contain_text("verified")
    expect(popup).to_contain_text("(day)")  # the date precision
    expect(popup).to_contain_text("approximate location")
    expect(popup).to_contain_text(centuries["notes"][:60])
    # The popup scrolls inside itself instead of growing past the map.
    scroll = popup.evaluate("node => node.parentElement.querySelector('.leaflet-popup-scrolled')")
    assert scroll is not None or popup.evaluate("n => n.scrollHeight <= n.clientHeight")
    details = page.locator('[data-testid="stAlertContentWarning"]', has_text="Reports disagree")
    expect(details).to_contain_text(centuries["notes"][:60])


def test_unverified_and_strike_markers_look_different_and_the_legend_says_so(
    app: RunningApp, page: object, added: dict[str, str]
) -> None:
    open_app(page, app.url)
    frame = wait_for_markers(page)
    background = "node => getComputedStyle(node).backgroundColor"
    plain = frame.locator(
        ".incident-marker.incident-verified:not(.incident-strike) .incident-dot"
    ).first
    assert plain.evaluate(background) != "rgb(255, 255, 255)"
    plain_width = plain.bounding_box()["width"]
    strike = frame.locator(f".incident-marker:has([data-incident-id='{added['strike']}'])")
    # Zoomed in on it, so that no cluster hides it.
    frame.locator(".leaflet-container").evaluate(
        "() => { window.map.setView([16.5, -72.0], 8, {animate: false}); }"
    )
    expect(strike).to_have_count(1)
    expect(strike).to_have_class(re.compile(r"incident-strike.*incident-unverified"))
    expect(strike).to_have_text(str(STRIKE_KILLED))
    dot = strike.locator(".incident-dot")
    assert dot.evaluate(background) == "rgb(255, 255, 255)"
    # The number reads: not white on the hollow mark's white.
    assert dot.evaluate("node => getComputedStyle(node).color") != "rgb(255, 255, 255)"
    # Square, unlike the round cluster bubbles that also carry numbers.
    assert dot.evaluate("node => getComputedStyle(node).borderRadius") == "4px"
    # Larger than a plain marker, so the number killed reads at a glance.
    assert strike.bounding_box()["width"] > plain_width + 4
    legend = frame.locator(".incident-legend")
    for words in (
        "Unverified",
        "Verified",
        "Cluster of incidents",
        "people killed",
        "Approximate location",
        "Sea area only",
    ):
        expect(legend).to_contain_text(words)
    # The legend folds away to one line, and comes back.
    unfolded = legend.bounding_box()["height"]
    frame.locator(".incident-legend summary").click()
    assert legend.evaluate("node => node.open") is False
    assert legend.bounding_box()["height"] < min(40, unfolded / 4)
    frame.locator(".incident-legend summary").click()
    assert legend.bounding_box()["height"] == unfolded


def test_clusters_take_the_neutral_colour_the_legend_names(app: RunningApp, page: object) -> None:
    open_app(page, app.url)
    frame = wait_for_markers(page)
    frame.locator(".leaflet-container").evaluate(
        "() => { window.map.setZoom(3, {animate: false}); }"
    )
    cluster = frame.locator(".incident-cluster div").first
    expect(cluster).to_be_visible()
    swatch = frame.locator(".legend-cluster")
    background = "node => getComputedStyle(node).backgroundColor"
    assert cluster.evaluate(background) == swatch.evaluate(background)


def test_on_a_phone_the_legend_starts_folded(browser: object, app: RunningApp) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        open_app(page, app.url)
        frame = wait_for_markers(page)
        legend = frame.locator(".incident-legend")
        expect(legend.locator("summary")).to_be_visible()
        assert legend.evaluate("node => node.open") is False
        assert legend.bounding_box()["height"] < 40
    finally:
        context.close()


def test_enter_on_a_named_marker_opens_its_popup_and_details(app: RunningApp, page: object) -> None:
    open_app(page, f"{app.url}/?q=Centuries")
    (centuries,) = visible(app.data_file, IncidentFilter(text="Centuries")).to_dict("records")
    frame = wait_for_markers(page)
    marker = frame.get_by_role("button", name=f"{centuries['vessel_name']} · seizure")
    marker.focus()
    marker.press("Enter")
    expect(frame.locator(".leaflet-popup-content")).to_contain_text(centuries["vessel_name"])
    wait_for_script(page)
    details = page.locator('[data-testid="stMarkdownContainer"]', has_text=centuries["id"])
    expect(details.first).to_be_visible()


def test_a_permalink_opens_the_map_on_its_incident(
    app: RunningApp, page: object, observed: Observed
) -> None:
    incidents = visible(app.data_file)
    far = incidents[~in_caribbean(incidents)].iloc[0]
    # Other filters in the link stay in force beside the permalink.
    open_app(page, f"{app.url}/?incident={far.id}&type=seizure")
    frame = wait_for_markers(page)
    expect(frame.locator(".leaflet-popup-content")).to_contain_text(far.vessel_name)
    assert shows(map_state(page), far.latitude, far.longitude)
    expect(page.locator('[data-testid="stCode"]', has_text=f"?incident={far.id}")).to_be_visible()
    assert "incident=" in page.url and "type=seizure" in page.url
    assert observed.page_errors == []


def test_clicking_a_marker_puts_its_permalink_in_the_address_bar(
    app: RunningApp, page: object
) -> None:
    open_app(page, f"{app.url}/?q=Centuries")
    (centuries,) = visible(app.data_file, IncidentFilter(text="Centuries")).to_dict("records")
    wait_for_markers(page).locator(".incident-marker").first.click()
    wait_for_script(page)
    expect(page).to_have_url(f"{app.url}/?q=Centuries&incident={centuries['id']}")


# Places the legend must leave visible: Trinidad and the Venezuelan coast, where most
# interdictions happen.
COAST_POINTS = {
    "Port of Spain, Trinidad": (10.65, -61.52),
    "Paria peninsula": (10.7, -62.6),
    "La Guaira": (10.6, -66.93),
    "Puerto Cabello": (10.48, -68.01),
}


def test_the_legend_leaves_trinidad_and_the_venezuelan_coast_in_view(
    app: RunningApp, page: object, added: dict[str, str]
) -> None:
    open_app(page, app.url)
    frame = wait_for_markers(page)
    legend = frame.locator(".incident-legend").bounding_box()
    container = frame.locator(".leaflet-container")
    origin = container.bounding_box()
    for place, (latitude, longitude) in COAST_POINTS.items():
        point = container.evaluate(
            "(node, at) => window.map.latLngToContainerPoint(at)", [latitude, longitude]
        )
        x, y = origin["x"] + point["x"], origin["y"] + point["y"]
        assert origin["x"] <= x <= origin["x"] + origin["width"], place
        assert origin["y"] <= y <= origin["y"] + origin["height"], place
        covered = (
            legend["x"] <= x <= legend["x"] + legend["width"]
            and legend["y"] <= y <= legend["y"] + legend["height"]
        )
        assert not covered, place


def test_copy_link_in_a_popup_gives_the_incidents_permalink(
    browser: object, app: RunningApp
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        open_app(page, f"{app.url}/?q=Centuries")
        (centuries,) = visible(app.data_file, IncidentFilter(text="Centuries")).to_dict("records")
        frame = wait_for_markers(page)
        frame.locator(".incident-marker").first.click()
        frame.get_by_role("button", name="Copy link to this incident").click()
        expect(frame.get_by_role("button", name="Link copied")).to_be_visible()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(app.url)
        assert copied.endswith(f"?incident={centuries['id']}")
    finally:
        context.close()


@pytest.fixture(scope="module")
def rejected(data_copy: Path) -> str:
    """An incident an editor rejected; returns its id."""
    draft = validate_draft(
        {
            "date": "2026-01-14",
            "date_precision": "month",
            "event_type": "boarding",
            "vessel_name": "Rejected Example",
            "vessel_type": "cargo_ship",
            "false_flag": "unknown",
            "latitude": 14.2,
            "longitude": -75.0,
            "place": "Caribbean Sea",
            "location_precision": "region",
            "agency": "unknown",
            "outcome": "unknown",
            "summary": "A report an editor found to be wrong.",
            "sources": [{"outlet": "Test Wire", "url": "https://example.org/rejected"}],
        }
    )
    incident = append_incident(draft, added_by="test", added_via=AddedVia.CLI, path=data_copy)
    record_review(incident.id, Verification.REJECTED, reviewer="Editor", path=data_copy)
    return incident.id


def test_rejected_incidents_shown_on_request_are_marked_apart(
    app: RunningApp, page: object, rejected: str
) -> None:
    open_app(page, app.url)
    frame = wait_for_markers(page)
    expect(frame.locator(".incident-rejected")).to_have_count(0)
    expect(frame.locator(".incident-legend")).not_to_contain_text("Rejected")
    open_app(page, f"{app.url}/?status=rejected")
    frame = wait_for_markers(page)
    marker = frame.locator(".incident-marker.incident-rejected")
    expect(marker).to_have_count(1)
    expect(marker).to_have_text("×")
    assert (
        marker.locator(".incident-dot").evaluate("node => getComputedStyle(node).borderStyle")
        == "dashed"
    )
    expect(frame.locator(".incident-legend")).to_contain_text("Rejected")
