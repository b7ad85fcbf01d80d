"""Two `streamlit run` replicas on one PostgreSQL database, driven in a real browser."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from incident_samples import CURATED_DATA
from playwright.sync_api import expect

from dashboard import store as csv_files
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.stores import DATABASE_URL_ENV, Settings, open_store
from tests.browser.conftest import RunningApp, open_app, start_app, wait_for_script
from tests.browser.test_form import choose, expect_drawn_count, field, pick_date

_NAMES = itertools.count(1)


@pytest.fixture(scope="module")
def database(postgres_server) -> str:
    """A database of this module's own, seeded with the curated incidents."""
    name = f"replicas{next(_NAMES)}"
    postgres_server.psql(f"CREATE DATABASE {name} TEMPLATE tracker OWNER tracker")
    url = postgres_server.url.rsplit("/", 1)[0] + f"/{name}"
    store = open_store(Settings(database_url=url))
    store.restore(csv_files.read_stored_incidents(CURATED_DATA))
    store.close()
    return url


@pytest.fixture(scope="module")
def replicas(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RunningApp]]:
    """Replicas A and B: two servers, one database."""
    folder = tmp_path_factory.mktemp("replicas")
    unused = folder / "unused.csv"  # the database URL wins over the data file
    env = {DATABASE_URL_ENV: database, "INTERDICTION_TRACKER_TILES": "off"}
    started: list[RunningApp] = []
    try:
        for name in "ab":
            started.append(start_app(unused, folder / f"{name}.log", extra_env=env))
        yield started
    finally:
        from benchmarks.browser import stop_app

        for running in started:
            stop_app(running.process)


def _shown(database: str) -> int:
    frame = open_store(Settings(database_url=database)).load().result.incidents
    return len(filter_incidents(frame, IncidentFilter()))


def _fill(page: object, url: str, vessel: str, imo: str) -> None:
    open_app(page, f"{url}/add")
    choose(page, "add_date_precision", "day")
    choose(page, "add_event_type", "boarding")
    field(page, "add_agency").fill("US Coast Guard")
    field(page, "add_summary").fill("Boarded in a replica test.")
    field(page, "add_vessel_name").fill(vessel)
    field(page, "add_imo").fill(imo)
    field(page, "add_position").fill("14.5, -68.25")
    field(page, "add_place").fill("Central Caribbean")
    choose(page, "add_location_precision", "approximate")
    field(page, "add_source_0_outlet").fill("Example News")
    field(page, "add_source_0_url").fill("https://example.org/replicas")
    field(page, "add_added_by").fill("Replica Test")
    pick_date(page, "add_date", "2026-01-20")


def test_an_incident_added_on_replica_a_shows_on_replica_b(
    replicas: list[RunningApp], database: str, browser: object
) -> None:
    replica_a, replica_b = replicas
    # One context (one window) per editor: Chromium stops drawing frames in a window's
    # background tabs, and Playwright waits for frames before it clicks or sees a marker.
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in replicas]
    try:
        page_a, page_b = (context.new_page() for context in contexts)
        before = _shown(database)
        open_app(page_b, replica_b.url)
        expect_drawn_count(page_b, before)
        _fill(page_a, replica_a.url, "Replica Tanker", "9074729")
        page_a.locator(".st-key-add_submit button").click()
        wait_for_script(page_a)
        expect(page_a.locator('[data-testid="stAlert"]', has_text="Saved as INC-")).to_be_visible()
        open_app(page_b, replica_b.url)  # B's next run reads only the new row
        expect_drawn_count(page_b, before + 1)
    finally:
        for context in contexts:
            context.close()


def test_the_same_vessel_submitted_on_both_replicas_at_once_is_saved_once(
    replicas: list[RunningApp], database: str, browser: object
) -> None:
    pages = []
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in replicas]
    try:
        for context, replica in zip(contexts, replicas, strict=True):
            page = context.new_page()
            _fill(page, replica.url, "Twice Submitted", "9166778")
            pages.append(page)
        before = len(open_store(Settings(database_url=database)).stored_incidents())
        for page in pages:  # both buttons pressed before either answer is awaited
            page.locator(".st-key-add_submit button").click()
        for page in pages:
            wait_for_script(page)
        saved = [
            page.locator('[data-testid="stAlert"]', has_text=re.compile("Saved as INC-")).count()
            for page in pages
        ]
        warned = [
            page.locator('[data-testid="stAlert"]', has_text="Possible duplicate").count()
            for page in pages
        ]
        assert sorted(saved) == [0, 1]
        assert warned[saved.index(0)] == 1  # the other editor is asked to confirm
        stored = open_store(Settings(database_url=database)).stored_incidents()
        assert len(stored) == before + 1
        assert [i.vessel_name for i in stored].count("Twice Submitted") == 1
    finally:
        for context in contexts:
            context.close()


def test_no_replica_log_holds_the_database_password(replicas: list[RunningApp]) -> None:
    from benchmarks.postgres_server import PASSWORD

    for name in "ab":
        log = Path(replicas[0].data_file).with_name(f"{name}.log").read_text()
        assert PASSWORD not in log
