"""Fixtures shared by the whole suite: copies of the real curated data, never the file itself."""

from __future__ import annotations

import shutil
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
