"""The app while its PostgreSQL server is down, and after it is back, in a real browser."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from incident_samples import CURATED_DATA
from playwright.sync_api import expect

from dashboard import store as csv_files
from dashboard.stores import DATABASE_URL_ENV, Settings, open_store
from tests.browser.conftest import MAP_FRAME, RunningApp, map_frame, open_app, start_app
from tests.browser.test_form import drawn_incident_count

UNREACHABLE = "the incident database is not reachable; retrying"
# The page looks again every 5 s by itself; a margin for a loaded machine.
RECOVERY_DEADLINE_MS = 45_000
_NAMES = itertools.count(1)


@pytest.fixture(scope="module")
def app_on_postgres(
    postgres_server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    name = f"outage{next(_NAMES)}"
    postgres_server.psql(f"CREATE DATABASE {name} TEMPLATE tracker OWNER tracker")
    url = postgres_server.url.rsplit("/", 1)[0] + f"/{name}"
    seeding = open_store(Settings(database_url=url))
    seeding.restore(csv_files.read_stored_incidents(CURATED_DATA))
    seeding.close()
    folder = tmp_path_factory.mktemp("outage")
    env = {DATABASE_URL_ENV: url, "INTERDICTION_TRACKER_TILES": "off"}
    running = start_app(folder / "unused.csv", folder / "streamlit.log", extra_env=env)
    try:
        yield running
    finally:
        from benchmarks.browser import stop_app

        stop_app(running.process)


def test_a_stopped_database_is_said_plainly_and_the_page_recovers_by_itself(
    app_on_postgres: RunningApp, postgres_server, page: object
) -> None:
    open_app(page, app_on_postgres.url)
    assert drawn_incident_count(page) > 0
    postgres_server.stop()
    try:
        open_app(page, app_on_postgres.url)
        expect(page.get_by_text(UNREACHABLE)).to_be_visible()
        # Nothing stale is shown: no map, no table.
        expect(page.locator(MAP_FRAME)).to_have_count(0)
    finally:
        postgres_server.start()
    # No reload: the page's own retry brings the map back.
    expect(page.get_by_text(UNREACHABLE)).to_have_count(0, timeout=RECOVERY_DEADLINE_MS)
    markers = map_frame(page).locator(".incident-marker, .marker-cluster").first
    expect(markers).to_be_visible(timeout=RECOVERY_DEADLINE_MS)
