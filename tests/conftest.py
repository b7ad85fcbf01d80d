"""Fixtures shared by the whole suite: copies of the real curated data, never the file itself."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from dashboard.editors import EDITORS_FILE_ENV, LOGIN_THROTTLE
from dashboard.store import DATA_PATH_ENV, load_incidents

CURATED_DATA = Path(__file__).resolve().parents[1] / "data" / "incidents.csv"


@pytest.fixture(autouse=True)
def _no_editors_from_the_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No editors file of the machine's, and no failed logins left over from another test."""
    monkeypatch.setenv(EDITORS_FILE_ENV, str(tmp_path / "no-editors.toml"))
    LOGIN_THROTTLE.clear()


@pytest.fixture(scope="session", autouse=True)
def tracked_data_left_alone() -> Iterator[None]:
    """Fails the run if any test wrote into data/ (a cache beside the curated file counts)."""
    # Tests work on copies; a form try-out or a loader's cache written beside the tracked file
    # once made a browser test fail on a working copy (issue 9).
    before = _snapshot(CURATED_DATA.parent)
    yield
    assert _snapshot(CURATED_DATA.parent) == before, "a test changed files under data/"


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        path.name: (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


@pytest.fixture
def curated_copy(tmp_path: Path) -> Path:
    """A copy of data/incidents.csv that a test may change freely."""
    copy = tmp_path / "incidents.csv"
    shutil.copyfile(CURATED_DATA, copy)
    return copy


@pytest.fixture
def curated(curated_copy: Path) -> pd.DataFrame:
    """The curated incidents as the store loads them (the file has no problems)."""
    result = load_incidents(curated_copy)
    assert result.problems == ()
    return result.incidents


@pytest.fixture
def app_data(curated_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The curated copy, made the file the app under test reads; map tiles switched off."""
    monkeypatch.setenv(DATA_PATH_ENV, str(curated_copy))
    monkeypatch.setenv("INTERDICTION_TRACKER_TILES", "off")
    return curated_copy


# --- the store engines: every store test runs on each ------------------------------------------

STORE_ENGINES = ("csv", "postgres")


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the whole run, from the installed binaries; stopped at the end.

    Without the binaries the tests that need it skip, except in CI (CI=true), where they fail.
    """
    from benchmarks.postgres_server import find_binaries, remove_server, start_server

    binaries = find_binaries()
    if binaries is None:
        message = (
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): "
            "apt-get install postgresql"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = start_server(binaries)
    try:
        from sqlalchemy import create_engine

        from dashboard.stores.migrations import upgrade

        engine = create_engine(server.url)
        upgrade(engine)
        engine.dispose()
        # Each test gets its own database copied from this migrated one.
        server.psql("ALTER DATABASE tracker WITH IS_TEMPLATE true")
        yield server
    finally:
        remove_server(server)


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    """The URL of a fresh, migrated, empty database of its own."""
    name = f"t{next(_DATABASE_NUMBERS)}"
    postgres_server.psql(f"CREATE DATABASE {name} TEMPLATE tracker OWNER tracker")
    return postgres_server.url.rsplit("/", 1)[0] + f"/{name}"


_DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture(params=STORE_ENGINES)
def engine_settings(request, tmp_path: Path):
    """Settings for an empty store of each engine in turn."""
    from dashboard.stores import Settings

    if request.param == "postgres":
        return Settings(database_url=request.getfixturevalue("postgres_url"))
    from dashboard.store import create_incident_file

    path = tmp_path / "store" / "incidents.csv"
    create_incident_file(path)
    return Settings(data_path=path)


@pytest.fixture
def empty_store(engine_settings):
    """An empty store of each engine in turn (closed after the test)."""
    from dashboard.stores import open_store

    store = open_store(engine_settings)
    store.create_schema()
    yield store
    store.close()
