"""Vessel checks on valid drafts: possible false flags, duplicates around a date, points on land."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from incident_samples import draft_fields

from dashboard.checks import (
    VesselWarning,
    WarningKind,
    check_duplicates,
    check_false_flag,
    check_on_land,
    find_duplicates,
    vessel_warnings,
)
from dashboard.schema import validate_draft
from dashboard.store import load_incidents

CURATED = Path(__file__).resolve().parent.parent / "data" / "incidents.csv"
# A point at sea north of Venezuela, a name and IMO the curated file does not hold.
AT_SEA = {"latitude": 12.25, "longitude": -66.5}
NEW_VESSEL = {"vessel_name": "Nobody Known", "former_names": "", "imo": "1234567"}


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory):
    """The curated incidents as the loader gives them, read from a copy (the loader keeps a
    parsed copy beside the file it reads, which must not land in data/)."""
    copy = tmp_path_factory.mktemp("curated") / "incidents.csv"
    shutil.copyfile(CURATED, copy)
    return load_incidents(copy).incidents


def draft(**changes: object):
    """A valid draft of a new vessel at sea, with ``changes``."""
    return validate_draft(draft_fields(**{**AT_SEA, **NEW_VESSEL, **changes}))


@pytest.mark.parametrize(
    ("mmsi", "flag", "false_flag", "warned"),
    [
        ("636012345", "PA", "unknown", True),  # MID 636 is Liberia's, the flag Panama's
        ("636012345", "PA", "no", True),  # the user says "not false": still worth a look
        ("351234567", "PA", "unknown", False),  # MID 351 is Panama's: they agree
        ("636012345", "PA", "yes", False),  # already recorded as a false flag
        ("636012345", "", "unknown", False),  # no flag to compare with
        ("", "PA", "unknown", False),  # no MMSI
        ("799999999", "PA", "unknown", False),  # an unallocated MID says nothing
    ],
)
def test_possible_false_flag_when_the_mmsi_belongs_to_another_state(
    mmsi: str, flag: str, false_flag: str, warned: bool
) -> None:
    warning = check_false_flag(draft(mmsi=mmsi, flag=flag, false_flag=false_flag))
    assert (warning is not None) == warned
    if warning:
        assert warning.kind is WarningKind.POSSIBLE_FALSE_FLAG
        assert "Liberia (LR)" in warning.message and "Panama (PA)" in warning.message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # Skipper (INC-0001) was seized on 2025-12-10 with IMO 9304667.
        ({"vessel_name": "Skipper", "imo": "", "date": "2025-12-10"}, ["INC-0001"]),
        ({"vessel_name": "  sKiPPeR ", "imo": "", "date": "2025-12-13"}, ["INC-0001"]),
        ({"imo": "9304667", "date": "2025-12-07"}, ["INC-0001"]),  # same IMO, new name
        # Its former name counts as the same vessel.
        ({"vessel_name": "Adisa", "imo": "", "date": "2025-12-11"}, ["INC-0001"]),
        # Four days apart is no longer "around the same date".
        ({"vessel_name": "Skipper", "imo": "", "date": "2025-12-14"}, []),
        ({"imo": "9304667", "date": "2025-12-06"}, []),
        # A pursuit (INC-0003, Bella 1, 2025-12-20 to 2026-01-07) is near every day it lasted,
        # and the seizure that ended it (INC-0004, Marinera, formerly Bella 1) too.
        ({"vessel_name": "Bella 1", "imo": "", "date": "2025-12-30"}, ["INC-0003"]),
        ({"imo": "9230880", "date": "2026-01-09"}, ["INC-0003", "INC-0004"]),
        # A draft spanning days is near an incident inside its span.
        (
            {"vessel_name": "Skipper", "imo": "", "date": "2025-12-01", "end_date": "2025-12-08"},
            ["INC-0001"],
        ),
        # The same date but another vessel is no duplicate.
        ({"date": "2025-12-10"}, []),
    ],
)
def test_duplicates_are_the_same_vessel_within_three_days(curated, changes, expected) -> None:
    assert list(find_duplicates(draft(**changes), curated)["id"]) == expected


def test_a_duplicate_warning_names_the_incidents(curated) -> None:
    warning = check_duplicates(draft(vessel_name="Skipper", imo="", date="2025-12-11"), curated)
    assert warning == VesselWarning(WarningKind.DUPLICATE, warning.message, ("INC-0001",))
    assert "INC-0001 (Skipper, 2025-12-10, verified)" in warning.message


def test_no_duplicates_in_an_empty_file(curated) -> None:
    assert find_duplicates(draft(vessel_name="Skipper"), curated.iloc[:0]).empty


@pytest.mark.parametrize(
    ("latitude", "longitude", "on_land"),
    [
        (12.25, -66.5, False),  # open Caribbean
        (10.49, -66.88, True),  # Caracas
        (10.6016, -66.9329, True),  # La Guaira's port, on the coast line
        (61.5, -12.0, False),  # North Atlantic
        (-33.9, 18.4, False),  # Cape Town: outside the outline's region, so no warning
    ],
)
def test_a_point_on_land_is_warned_about(latitude, longitude, on_land) -> None:
    warning = check_on_land(draft(latitude=latitude, longitude=longitude))
    assert (warning is not None) == on_land


def test_warnings_come_in_a_fixed_order_and_each_has_its_own_key(curated) -> None:
    found = vessel_warnings(
        draft(
            vessel_name="Skipper",
            imo="",
            date="2025-12-11",
            mmsi="636012345",
            flag="PA",
            latitude=10.49,
            longitude=-66.88,
        ),
        curated,
    )
    assert [warning.kind for warning in found] == list(WarningKind)
    assert len({warning.key for warning in found}) == 3


def test_a_changed_warning_has_a_new_key() -> None:
    # A confirmation ticked for one MMSI must not carry over to another.
    first = check_false_flag(draft(mmsi="636012345", flag="PA"))
    second = check_false_flag(draft(mmsi="636099999", flag="PA"))
    assert first is not None and second is not None
    assert first.key != second.key
