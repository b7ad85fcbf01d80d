"""The app on a PostgreSQL store (AppTest): pages read it, the form writes to it, outages."""

from __future__ import annotations

import pytest
from form_helpers import VALID_FORM, all_text, fill, open_page, submit, widget
from incident_samples import CURATED_DATA

from dashboard import store as csv_files
from dashboard.stores import DATABASE_URL_ENV, Settings, open_store

UNREACHABLE = "the incident database is not reachable; retrying"
SECRET = "hunter2-never-shown"


@pytest.fixture
def seeded_url(postgres_url, monkeypatch) -> str:
    """A database holding the curated incidents, made the app's store."""
    open_store(Settings(database_url=postgres_url)).restore(
        csv_files.read_stored_incidents(CURATED_DATA)
    )
    monkeypatch.setenv(DATABASE_URL_ENV, postgres_url)
    monkeypatch.setenv("INTERDICTION_TRACKER_TILES", "off")
    monkeypatch.delenv("INTERDICTION_TRACKER_EDITOR_PASSPHRASE", raising=False)
    monkeypatch.delenv("INTERDICTION_TRACKER_DATA", raising=False)
    return postgres_url


def _dead_url() -> str:
    return f"postgresql+psycopg://tracker:{SECRET}@127.0.0.1:9/tracker"


def test_the_table_page_shows_the_incidents_kept_in_postgres(seeded_url):
    app = open_page("views/table.py")
    assert not app.exception
    assert "Skipper" in app.dataframe[0].value.to_string()


def test_the_form_writes_to_postgres(seeded_url):
    app = submit(fill(open_page("views/add.py"), VALID_FORM))
    assert not app.exception
    stored = open_store(Settings(database_url=seeded_url)).stored_incidents()
    assert stored[-1].vessel_name == VALID_FORM["add_vessel_name"]
    assert any(stored[-1].id in success.value for success in app.success)


def test_an_unreachable_database_is_said_plainly_and_nothing_is_shown(monkeypatch, seeded_url):
    monkeypatch.setenv(DATABASE_URL_ENV, _dead_url())
    app = open_page("views/table.py")
    assert not app.exception
    text = all_text(app)
    assert UNREACHABLE in text
    assert SECRET not in text and not app.dataframe  # no table of stale rows


def test_a_submission_during_an_outage_saves_nothing_and_keeps_what_was_typed(
    monkeypatch, seeded_url
):
    app = fill(open_page("views/add.py"), VALID_FORM)
    monkeypatch.setenv(DATABASE_URL_ENV, _dead_url())  # the database goes away
    submit(app)
    assert UNREACHABLE in all_text(app)
    assert SECRET not in all_text(app)
    monkeypatch.setenv(DATABASE_URL_ENV, seeded_url)  # and comes back
    app.run()
    assert "Nothing was saved" in all_text(app)
    assert widget(app, "add_vessel_name").value == VALID_FORM["add_vessel_name"]
    curated = csv_files.read_stored_incidents(CURATED_DATA)
    assert len(open_store(Settings(database_url=seeded_url)).stored_incidents()) == len(curated)


def test_the_about_page_names_the_database_but_not_its_server(seeded_url):
    app = open_page("views/about.py")
    assert not app.exception
    text = all_text(app)
    database = seeded_url.rsplit("/", 1)[1]
    assert f"Reading `{database}`" in text
    assert "127.0.0.1" not in text and "s3cret" not in text
