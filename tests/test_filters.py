"""The filter table: each URL parameter and each predicate, as a table of cases."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.filters import (
    IncidentFilter,
    filter_from_query,
    filter_incidents,
    filter_to_query,
)
from dashboard.schema import validate_draft
from dashboard.store import AddedVia, append_incident, load_incidents
from tests.incident_samples import draft_fields


@pytest.fixture
def incidents(tmp_path) -> pd.DataFrame:
    """Three incidents: reports disagree on the flag; undisputed; disagree on casualties."""
    path = tmp_path / "incidents.csv"
    for name, disputed in (
        ("Disputed Flag", "flag;false_flag"),
        ("Plain", ""),
        ("Counts", "killed"),
    ):
        draft = validate_draft(draft_fields(vessel_name=name, disputed_fields=disputed))
        append_incident(draft, added_by="test", added_via=AddedVia.CLI, path=path)
    return load_incidents(path).incidents


@pytest.mark.parametrize(
    ("incident_filter", "names"),
    [
        # the default lets everything through
        (IncidentFilter(), ["Disputed Flag", "Plain", "Counts"]),
        # "disputed": the machine-readable mark, whatever column it names
        (IncidentFilter(disputed="yes"), ["Disputed Flag", "Counts"]),
        # and its opposite
        (IncidentFilter(disputed="no"), ["Plain"]),
        # combined with another filter, both must hold
        (IncidentFilter(disputed="yes", text="counts"), ["Counts"]),
    ],
)
def test_filter_by_disputed_keeps_only_incidents_whose_reports_conflict(
    incidents: pd.DataFrame, incident_filter: IncidentFilter, names: list[str]
) -> None:
    assert list(filter_incidents(incidents, incident_filter)["vessel_name"]) == names


@pytest.mark.parametrize(
    ("query", "expected", "notices"),
    [
        # the disputed filter travels in the URL like the others
        ({"disputed": ["yes"]}, IncidentFilter(disputed="yes"), []),
        # a value it does not know is ignored with a notice naming what it expects
        ({"disputed": ["maybe"]}, IncidentFilter(), ["Ignored disputed='maybe'"]),
        # a permalink's incident and a vessel's IMO belong to pages: no notice, no filter
        ({"incident": ["INC-0007"], "imo": ["9304667"]}, IncidentFilter(), []),
        # an open date range stays open: no bound appears that the link did not set
        ({"since": ["2025-12-15"]}, IncidentFilter(since=pd.Timestamp("2025-12-15").date()), []),
    ],
)
def test_filter_from_query(
    query: dict[str, list[str]], expected: IncidentFilter, notices: list[str]
) -> None:
    found, found_notices = filter_from_query(query)
    assert found == expected
    assert len(found_notices) == len(notices)
    for notice, prefix in zip(found_notices, notices, strict=True):
        assert notice.startswith(prefix)


def test_the_disputed_filter_round_trips_through_the_url() -> None:
    incident_filter = IncidentFilter(flags=("PA",), disputed="yes")
    assert filter_to_query(incident_filter) == {"flag": ["PA"], "disputed": ["yes"]}
    assert filter_from_query(filter_to_query(incident_filter)) == (incident_filter, [])
