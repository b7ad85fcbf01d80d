"""The curated record keeps its promises: valid, sourced, registered, honest about precision."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from dashboard.context_events import CONTEXT_PATH, load_context_events
from dashboard.identifiers import is_valid_imo, is_valid_mmsi
from dashboard.land import is_on_land
from dashboard.schema import AddedVia, LocationPrecision, Verification

REGISTER = Path(__file__).resolve().parents[1] / "seeds" / "sources.csv"


@pytest.fixture
def register() -> list[dict[str, str]]:
    with REGISTER.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def cited_by(curated: pd.DataFrame) -> dict[str, set[str]]:
    """Each source URL the curated rows and context events cite, with who cites it: an incident
    id, or ``context:<date>`` for an event of data/context.csv."""
    citing: dict[str, set[str]] = defaultdict(set)
    for incident_id, sources in zip(curated["id"], curated["sources"], strict=True):
        for source in sources:
            citing[source["url"]].add(incident_id)
    events, _ = load_context_events()
    for event in events:
        for source in event.sources:
            citing[source.url].add(f"context:{event.date.isoformat()}")
    return citing


def test_every_cited_source_is_registered_with_the_rows_that_rely_on_it(
    curated: pd.DataFrame, register: list[dict[str, str]]
) -> None:
    registered = {row["url"]: set(row["incident_ids"].split(";")) for row in register}
    assert cited_by(curated) == registered


def test_rows_cite_each_document_exactly_as_the_register_names_it(
    curated: pd.DataFrame, register: list[dict[str, str]]
) -> None:
    by_url = {row["url"]: row for row in register}
    events, _ = load_context_events()
    cited = [source for sources in curated["sources"] for source in sources] + [
        source.model_dump(mode="json", exclude_none=True)
        for event in events
        for source in event.sources
    ]
    differing = [
        (source["url"], field)
        for source in cited
        for field in ("outlet", "title", "published")
        if str(source.get(field) or "") != by_url[source["url"]][field]
    ]
    assert differing == []


def test_the_context_file_is_valid_and_sourced() -> None:
    events, problems = load_context_events(CONTEXT_PATH)
    assert problems == []
    assert len(events) >= 3
    assert all(event.sources for event in events)


def test_every_identifier_in_the_record_passes_its_check(curated: pd.DataFrame) -> None:
    imos = curated["imo"].dropna()
    assert imos.map(is_valid_imo).all(), list(imos[~imos.map(is_valid_imo)])
    mmsis = curated["mmsi"].dropna()
    assert mmsis.map(is_valid_mmsi).all()


def test_disputes_are_marked_and_explained(curated: pd.DataFrame) -> None:
    # A field named as disputed must come with notes saying what each report claims, and
    # notes that record a disagreement must name the field, so the "disputed" filter finds it.
    disputed = curated["disputed_fields"].map(bool)
    assert curated.loc[disputed, "notes"].notna().all()
    says_conflict = (
        curated["notes"]
        .fillna("")
        .str.contains(r"disput|conflict|disagree|reports differ", case=False, regex=True)
    )
    assert list(curated.loc[says_conflict & ~disputed, "id"]) == []


def test_strike_counts_are_reported_or_left_empty(curated_copy: Path) -> None:
    # Never 0 for "not reported": a zero must be a reported zero, which the notes then state.
    with curated_copy.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["event_type"] != "strike":
                assert not (row["vessels_struck"] or row["killed"] or row["survivors"]), row["id"]
            if row["killed"] == "0":
                assert row["notes"], row["id"]


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
    assert set(curated["added_via"]) == {AddedVia.CURATED.value}


def test_a_curated_row_is_verified_unless_its_notes_say_why_not(curated: pd.DataFrame) -> None:
    # A row resting on a source nobody could retrieve again stays in the record, marked
    # unverified, with the reason in its notes (never silently verified, never deleted).
    assert set(curated["verification"]) <= {
        Verification.VERIFIED.value,
        Verification.UNVERIFIED.value,
    }
    unverified = curated[curated["verification"] == Verification.UNVERIFIED.value]
    assert unverified["notes"].str.contains("unverified", case=False).all()


def test_every_curated_point_is_at_sea(curated: pd.DataFrame) -> None:
    on_land = [
        incident_id
        for incident_id, lat, lon in zip(
            curated["id"], curated["latitude"], curated["longitude"], strict=True
        )
        if is_on_land(lat, lon)
    ]
    assert on_land == []
