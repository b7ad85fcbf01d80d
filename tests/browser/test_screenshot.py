"""The dashboard on the curated data as a reader first sees it; refreshes the README's picture."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import REPO, Observed, RunningApp, map_frame, open_app

# Set INTERDICTION_TRACKER_SCREENSHOT=1 to write the picture the README shows.
README_SCREENSHOT = REPO / "docs" / "dashboard.png"


def test_the_first_view_shows_the_map_with_every_curated_incident(
    app: RunningApp, page: object, observed: Observed, tmp_path: Path
) -> None:
    open_app(page, app.url)
    frame = map_frame(page)
    expect(frame.locator(".marker-cluster, .incident-marker").first).to_be_visible()
    # Leaflet marks the map while it animates a zoom; the picture must show it at rest.
    expect(frame.locator(".leaflet-zoom-anim")).to_have_count(0)
    expect(frame.locator(".incident-legend")).to_be_visible()
    target = (
        README_SCREENSHOT
        if os.environ.get("INTERDICTION_TRACKER_SCREENSHOT")
        else (tmp_path / "dashboard.png")
    )
    page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000  # a real picture, not a blank page
    assert observed.page_errors == []
