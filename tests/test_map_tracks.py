"""Tracks on the map join one vessel's incidents, never boats that no report names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.map_view import vessel_tracks
from dashboard.schema import validate_draft
from dashboard.store import AddedVia, append_incident, load_incidents
from dashboard.vessel_views import vessel_keys
from tests.incident_samples import draft_fields


def test_unnamed_boats_read_from_the_file_belong_to_no_vessel(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    for longitude in (-80.0, -70.0):
        strike = draft_fields(
            event_type="strike", vessel_name="", imo="", former_names="", longitude=longitude
        )
        append_incident(validate_draft(strike), added_by="t", added_via=AddedVia.CLI, path=path)
    frame = load_incidents(path).incidents
    assert frame["vessel_name"].isna().all()  # how the loader gives an empty name
    assert vessel_keys(frame).isna().all()
    assert vessel_tracks(frame) == []


def test_the_curated_tracks_follow_named_vessels_only(curated: pd.DataFrame) -> None:
    named = set(curated.loc[curated["vessel_name"].notna(), "latitude"])
    for track in vessel_tracks(curated):
        assert {latitude for latitude, _longitude in track} <= named
