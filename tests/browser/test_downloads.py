"""A download of more incidents than the table page writes on every run: made on the click."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.store import load_incidents
from tests.browser.conftest import RunningApp, app_on_generated_data, open_app

# More than views/table.py's EAGER_DOWNLOAD_ROWS (1,000): the file is written when asked for.
ROWS = 1_500


@pytest.fixture(scope="module")
def many_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard on generated data with more incidents than are written eagerly."""
    with app_on_generated_data(tmp_path_factory, ROWS, seed=6) as running:
        yield running


def test_a_download_made_on_the_click_holds_every_filtered_incident(
    many_app: RunningApp, page: object, tmp_path: Path
) -> None:
    open_app(page, f"{many_app.url}/table")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    saved = tmp_path / "interdictions.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8", newline="") as handle:
        downloaded = [row["id"] for row in csv.DictReader(handle)]
    incidents = load_incidents(many_app.data_file).incidents
    shown = filter_incidents(incidents, IncidentFilter())
    assert len(shown) > 1_000
    assert downloaded == list(shown["id"])
