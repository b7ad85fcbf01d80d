"""The curated record keeps its promises: valid, sourced, registered, honest about precision."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from dashboard.land import is_on_land
from dashboard.schema import AddedVia, LocationPrecision, Verification

REGISTER = Path(__file__).resolve().parents[1] / "seeds" / "sources.csv"


@pytest.fixture
def register() -> list[dict[str, str]]:
    with REGISTER.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def cited_by(curated: pd.DataFrame) -> dict[str, set[str]]:
    """Each source URL the curated rows cite, with the ids of the rows citing it."""
    citing: dict[str, set[str]] = defaultdict(set)
    for incident_id, sources in zip(curated["id"], curated["sources"], strict=True):
        for source in sources:
            citing[source["url"]].add(incident_id)
    return citing


def test_every_cited_source_is_registered_with_the_rows_that_rely_on_it(
    curated: pd.DataFrame, register: list[dict[str, str]]
) -> None:
    registered = {row["url"]: set(row["incident_ids"].split(";")) for row in register}
    assert cited_by(curated) == registered


def test_the_register_lists_each_document_once_and_holds_the_seed_article(
    register: list[dict[str, str]],
) -> None:
    urls = [row["url"] for row in register]
    assert len(urls) == len(set(urls))
    assert len({row["source_id"] for row in register}) == len(register)
    assert any("seed article" in row["notes"] for row in register)


def test_curated_rows_claim_no_more_precision_than_the_reports_give(
    curated: pd.DataFrame,
) -> None:
    # No report gave coordinates: every curated point is a placeholder in a named sea area.
    assert set(curated["location_precision"]) <= {
        LocationPrecision.APPROXIMATE.value,
        LocationPrecision.REGION.value,
    }
    assert set(curated["verification"]) == {Verification.VERIFIED.value}
    assert set(curated["added_via"]) == {AddedVia.CURATED.value}


def test_every_curated_point_is_at_sea(curated: pd.DataFrame) -> None:
    on_land = [
        incident_id
        for incident_id, lat, lon in zip(
            curated["id"], curated["latitude"], curated["longitude"], strict=True
        )
        if is_on_land(lat, lon)
    ]
    assert on_land == []
