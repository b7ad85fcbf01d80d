"""The table as a phone shows it (issue 9): which vessel and when come first."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import RunningApp, open_app

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_table_shows_vessel_and_date_first(browser: object, app: RunningApp) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        open_app(page, f"{app.url}/table")
        table = page.locator('[data-testid="stDataFrame"]')
        expect(table).to_be_visible()
        # The grid mirrors the columns it has drawn (those on screen) for screen readers.
        headers = table.locator("th[role=columnheader]")
        expect(headers.first).to_have_text("Vessel")
        on_screen = headers.all_inner_texts()
        assert on_screen[:2] == ["Vessel", "Date"]
        assert "ID" not in on_screen
    finally:
        context.close()
