"""In a real browser: the embed for articles, and the dashboard in Spanish (with a screenshot)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from dashboard import i18n
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.store import load_incidents
from tests.browser.conftest import REPO, Observed, RunningApp, map_frame, open_app
from tests.browser.test_map import drawn_incident_count

# Set INTERDICTION_TRACKER_SCREENSHOT=1 to write the Spanish picture for the README.
SPANISH_SCREENSHOT = REPO / "docs" / "dashboard-es.png"


def test_embed_shows_only_the_filtered_map_and_its_caption(
    app: RunningApp, page: object, observed: Observed
) -> None:
    frame = load_incidents(app.data_file).incidents
    wanted = filter_incidents(frame, IncidentFilter(flags=("PA",), event_types=("seizure",)))
    open_app(page, f"{app.url}/?flag=PA&type=seizure&embed=true")
    # No sidebar, no page navigation: nothing for an article's reader to change or submit.
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    expect(page.locator("form, input[type=text], textarea")).to_have_count(0)
    assert drawn_incident_count(page) == len(wanted)
    caption = page.locator('[data-testid="stCaptionContainer"]')
    expect(caption).to_contain_text("Source: Interdiction Tracker")
    expect(caption).to_contain_text("Data as of")
    expect(caption).to_contain_text(f"{len(wanted)} of {len(frame)} incidents shown")
    assert observed.page_errors == []


def test_the_dashboard_opens_in_spanish_from_the_link(
    app: RunningApp, page: object, observed: Observed, tmp_path: Path
) -> None:
    open_app(page, f"{app.url}/?lang=es")
    navigation = page.locator('[data-testid="stSidebarNav"]')
    # The page names as the Spanish catalogue gives them, not as typed here.
    with i18n.speaking("es"):
        for english in ("Map", "Timeline", "About the data"):
            expect(navigation).to_contain_text(i18n._(english))
    frame = map_frame(page)
    expect(frame.locator(".marker-cluster, .incident-marker").first).to_be_visible()
    expect(frame.locator(".leaflet-zoom-anim")).to_have_count(0)
    assert "lang=es" in page.url
    target = (
        SPANISH_SCREENSHOT
        if os.environ.get("INTERDICTION_TRACKER_SCREENSHOT")
        else (tmp_path / "dashboard-es.png")
    )
    page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000
    assert observed.page_errors == []


def test_a_spanish_browser_gets_spanish_at_first(app: RunningApp, browser: object) -> None:
    # Chromium sends Accept-Language: es-VE from its locale; no ?lang= in the link.
    context = browser.new_context(locale="es-VE", viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        open_app(page, app.url)
        expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("Cronología")
        assert "lang=es" in page.url  # and the choice is in the link to share
    finally:
        context.close()
