"""axe-core (bundled by axe-playwright-python) on every page: no serious or critical violations.

axe runs inside the page and inside each of its frames (the map is an iframe), with no network:
the script ships in the Python package.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dashboard.schema import validate_draft
from dashboard.store import AddedVia, append_incident
from tests.browser.conftest import RunningApp, map_frame, open_app

PAGES = ["", "timeline", "table", "vessels", "add", "review", "about"]
BLOCKING = {"serious", "critical"}
AXE = Axe()


def settle(page: object) -> None:
    """Wait until no element is marked stale and every CSS transition has ended."""
    # Streamlit fades the previous run's elements and fades them back in: mid-fade, text
    # has a fraction of its contrast.
    expect(page.locator('[data-stale="true"]')).to_have_count(0)
    # The app's own style sheet (st.html, whose code Streamlit loads on first use).
    expect(page.locator('[data-testid="stHtml"] style')).to_be_attached()
    page.evaluate(
        """Promise.allSettled(document.getAnimations()
            .filter(animation => animation.effect.getComputedTiming().endTime !== Infinity)
            .map(animation => animation.finished))"""
    )


def blocking_violations(page: object) -> list[str]:
    """Serious and critical axe violations in the page and every frame it holds."""
    settle(page)
    found = []
    for frame in page.frames:
        if frame.url.startswith("about:") and frame is not page.main_frame:
            continue
        frame.evaluate(AXE.axe_script)
        results = frame.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(f"{frame.url} {violation['id']}: {violation['help']} {targets}")
                found.extend(node["failureSummary"] for node in violation["nodes"][:2])
    return found


@pytest.fixture(scope="module")
def queued_strike(data_copy: Path) -> str:
    """An unverified strike on an unnamed boat, so the review page draws a card and its map."""
    draft = validate_draft(
        {
            "date": "2026-01-22",
            "date_precision": "day",
            "event_type": "strike",
            "vessel_type": "go_fast_boat",
            "false_flag": "unknown",
            "latitude": 13.0,
            "longitude": -70.5,
            "place": "Caribbean Sea north of Aruba",
            "location_precision": "approximate",
            "agency": "US military",
            "outcome": "destroyed",
            "killed": 3,
            "summary": "A strike on a small boat.",
            "sources": [{"outlet": "Test Wire", "url": "https://example.org/a11y"}],
        }
    )
    return append_incident(draft, added_by="Tester", added_via=AddedVia.FORM, path=data_copy).id


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_accessibility_violations(
    app: RunningApp, page: object, path: str, queued_strike: str
) -> None:
    open_app(page, f"{app.url}/{path}")
    if path == "":
        expect(map_frame(page).locator(".incident-marker").first).to_be_visible()
    if path == "review":
        expect(page.get_by_text(queued_strike).first).to_be_visible()
    assert blocking_violations(page) == []


def test_captions_meet_wcag_aa_contrast(app: RunningApp, page: object) -> None:
    open_app(page, app.url)
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="incidents match")
    expect(caption).to_be_visible()
    settle(page)
    page.evaluate(AXE.axe_script)
    # axe's own contrast rule (4.5:1 for text this size), on the captions alone.
    results = page.evaluate(
        """axe.run({include: [['[data-testid="stCaptionContainer"]']]},
                   {runOnly: ['color-contrast'], resultTypes: ['passes', 'violations']})"""
    )
    assert results["passes"], "the rule checked the captions"
    assert results["violations"] == []
