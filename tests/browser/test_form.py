"""The add-incident form in a real browser: click to locate, a full round trip, and escaping."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.geo import parse_position
from dashboard.map_view import CARIBBEAN_BOUNDS
from dashboard.store import load_incidents
from tests.browser.conftest import (
    Observed,
    RunningApp,
    map_frame,
    open_app,
    wait_for_script,
)

HOSTILE_VESSEL = "<script>alert(1)</script>Formtest Vessel"
HOSTILE_SUMMARY = "<img src=x onerror=alert(1)> boarded, says a browser test"
# Wide enough for the table to draw every column, so the summary cell is in the page too.
WIDE_VIEWPORT = {"width": 3800, "height": 1000}
COUNT_DEADLINE_S = 10.0
CHOOSE_ATTEMPTS = 3
CHOOSE_TIMEOUT_MS = 8_000
POSITION_TEXT = re.compile(r"^-?\d+\.\d{5}, -?\d+\.\d{5}$")


def field(page: object, key: str) -> object:
    """The text box (or text area) of the widget with ``key``."""
    return page.locator(f".st-key-{key} input, .st-key-{key} textarea").first


def choose(page: object, key: str, option: str, typed: str | None = None) -> None:
    """Pick ``option`` in a select box, typing ``typed`` (or the option) to find it."""
    box = page.locator(f".st-key-{key} input")
    wanted = page.get_by_role("option", name=option, exact=True)
    expect(box).to_be_editable()
    # On a loaded machine a rerun can land between the click and the typing and close the
    # list; try again a bounded number of times rather than wait once for ever.
    for _attempt in range(CHOOSE_ATTEMPTS):
        box.click()
        # Typing opens the list even when the click only focused the box, and filters it.
        page.keyboard.type(typed or option)
        try:
            wanted.click(timeout=CHOOSE_TIMEOUT_MS)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            wait_for_script(page)
    else:
        pytest.fail(f"option {option!r} never appeared in {key}")
    expect(page.get_by_role("listbox")).to_have_count(0)


def pick_date(page: object, key: str, iso_date: str) -> None:
    """Type a date and close the calendar it opens."""
    box = page.locator(f".st-key-{key} input")
    box.fill(iso_date)
    box.press("Enter")
    box.press("Escape")


def drawn_incident_count(page: object) -> int:
    """Markers drawn on their own plus the counts written on cluster bubbles."""
    frame = map_frame(page)
    expect(frame.locator(".incident-marker, .marker-cluster").first).to_be_visible()
    # The map opens on the Caribbean; Leaflet draws only the markers in view.
    show_all = frame.locator(".show-all-control", has_text="show all")
    if show_all.count():
        show_all.click()
    single = frame.locator(".incident-marker").count()
    clustered = sum(int(text) for text in frame.locator(".marker-cluster span").all_inner_texts())
    return single + clustered


def expect_drawn_count(page: object, expected: int) -> None:
    """Wait, like Playwright's expect, until the map has drawn ``expected`` incidents."""
    # Markers are added in chunks and then clustered, so an early count can be in between.
    deadline = time.monotonic() + COUNT_DEADLINE_S
    while (drawn := drawn_incident_count(page)) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert drawn == expected


def day_after_the_last(data_file: Path) -> dt.date:
    """The day after the last day of any incident in the file."""
    incidents = load_incidents(data_file).incidents
    return max(incidents["date"].max(), incidents["end_date"].max()).date() + dt.timedelta(days=1)


def shown_on_map(data_file: Path) -> int:
    """How many incidents the map shows with no filter, counted from the file."""
    return len(filter_incidents(load_incidents(data_file).incidents, IncidentFilter()))


@dataclass(frozen=True)
class FormAddition:
    """What adding the hostile incident through the browser form did."""

    incident_id: str
    markers_before: int
    dialogs: tuple[str, ...]
    saved_link: str
    # Drawn on the map in the session that saved it, and that map page's URL.
    drawn_after: int
    url_after: str


@pytest.fixture(scope="module")
def added_through_form(app: RunningApp, browser: object) -> Iterator[FormAddition]:
    """The hostile incident, typed into the form in a browser of its own and submitted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        open_app(page, app.url)
        markers_before = shown_on_map(app.data_file)
        expect_drawn_count(page, markers_before)
        open_app(page, f"{app.url}/add")
        # Select boxes and texts first: a date's calendar swallows the next click.
        choose(page, "add_date_precision", "day")
        choose(page, "add_event_type", "boarding")
        field(page, "add_agency").fill("US Coast Guard")
        field(page, "add_summary").fill(HOSTILE_SUMMARY)
        field(page, "add_vessel_name").fill(HOSTILE_VESSEL)
        # Searchable by code as well as by name.
        choose(page, "add_flag", "Panama (PA)", typed="(pa)")
        field(page, "add_position").fill("15.5, -70.25")
        field(page, "add_place").fill("Central Caribbean")
        choose(page, "add_location_precision", "approximate")
        field(page, "add_source_0_outlet").fill("Example News")
        field(page, "add_source_0_url").fill("https://example.org/form-test")
        field(page, "add_added_by").fill("Browser Test")
        # After every curated incident: a default date range ending on the last of them used
        # to hide it (issue 9).
        pick_date(page, "add_date", day_after_the_last(app.data_file).isoformat())
        page.locator(".st-key-add_submit button").click()
        wait_for_script(page)
        saved = page.locator('[data-testid="stAlert"]', has_text="Saved as INC-")
        expect(saved).to_be_visible()
        incident_id = re.search(r"INC-\d{4}", saved.inner_text()).group(0)
        saved_link = saved.get_by_role("link", name="open it on the map").get_attribute("href")
        # Back to the map in the same session, as a person would, through the navigation.
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Map").click()
        wait_for_script(page)
        expect_drawn_count(page, markers_before + 1)
        yield FormAddition(
            incident_id,
            markers_before,
            tuple(dialogs),
            saved_link,
            drawn_incident_count(page),
            page.url,
        )
    finally:
        context.close()


def test_clicking_the_map_fills_the_position(
    app: RunningApp, page: object, observed: Observed
) -> None:
    open_app(page, f"{app.url}/add")
    position = field(page, "add_position")
    expect(position).to_have_value("")
    # Typed but not yet sent: a click on the map must not wipe it.
    field(page, "add_vessel_name").fill("Typed Before Clicking")
    container = map_frame(page).locator(".leaflet-container")
    expect(container).to_be_visible()
    # Playwright's own centre, taken once the element is stable: a box measured earlier may
    # be from before the map's frame took its full height (the click then landed 130 px
    # north, at 28.5°N, about one run in four).
    container.click()
    wait_for_script(page)
    expect(position).to_have_value(POSITION_TEXT)
    expect(field(page, "add_vessel_name")).to_have_value("Typed Before Clicking")
    clicked = parse_position(position.input_value())
    (south, west), (north, east) = CARIBBEAN_BOUNDS
    assert south <= clicked.latitude <= north and west <= clicked.longitude <= east
    # The point is marked on the map and described in words.
    expect(map_frame(page).locator(".chosen-position")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"nm [NSEW]{1,2} of"))).not_to_have_count(0)
    assert observed.dialogs == [] and observed.page_errors == []


def test_submitting_the_form_adds_one_marker_to_the_map(
    app: RunningApp, page: object, added_through_form: FormAddition
) -> None:
    stored = load_incidents(app.data_file).incidents.set_index("id")
    assert stored.loc[added_through_form.incident_id, "vessel_name"] == HOSTILE_VESSEL
    assert stored.loc[added_through_form.incident_id, "verification"] == "unverified"
    assert shown_on_map(app.data_file) == added_through_form.markers_before + 1
    open_app(page, app.url)
    expect_drawn_count(page, added_through_form.markers_before + 1)


def test_a_saved_incident_is_on_the_map_in_the_same_session(
    added_through_form: FormAddition,
) -> None:
    assert added_through_form.drawn_after == added_through_form.markers_before + 1
    assert "until=" not in added_through_form.url_after
    # The message links to the new incident's permalink.
    assert added_through_form.saved_link.endswith(f"?incident={added_through_form.incident_id}")


def test_form_text_shows_as_text_in_the_popup(
    app: RunningApp, page: object, observed: Observed, added_through_form: FormAddition
) -> None:
    open_app(page, f"{app.url}/?q=Formtest")
    frame = map_frame(page)
    frame.locator(".incident-marker").first.click()
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(HOSTILE_VESSEL)
    expect(popup).to_contain_text(HOSTILE_SUMMARY)
    expect(popup.locator("script, img")).to_have_count(0)
    assert added_through_form.dialogs == ()
    assert observed.dialogs == [] and observed.page_errors == []


def test_form_text_shows_as_text_in_the_table(
    app: RunningApp, page: object, observed: Observed, added_through_form: FormAddition
) -> None:
    page.set_viewport_size(WIDE_VIEWPORT)
    open_app(page, f"{app.url}/table?q=Formtest")
    table = page.locator('[data-testid="stDataFrame"]')
    # The grid paints on a canvas and mirrors each cell, as text, in a table for screen readers.
    cells = table.locator("td[role=gridcell]")
    for text in (HOSTILE_VESSEL, HOSTILE_SUMMARY):
        whole_cell = re.compile(f"^{re.escape(text)}$")
        expect(cells.filter(has_text=whole_cell)).to_have_count(1)
    expect(table.locator("script, img")).to_have_count(0)
    assert observed.dialogs == [] and observed.page_errors == []
