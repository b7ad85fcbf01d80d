"""Vessel and flag views: one vessel through its renames, and incidents counted per flag state."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.schema import FalseFlag, flag_label, validate_incident
from dashboard.store import incidents_frame
from dashboard.vessel_views import (
    FALSE_FLAG_WORDS,
    PICKER_COLUMNS,
    build_flag_chart,
    flag_counts,
    vessel_choices,
    vessel_history,
    vessel_keys,
    vessel_sources,
)

BASE = {
    "date": "2026-01-07",
    "date_precision": "day",
    "event_type": "seizure",
    "vessel_type": "crude_tanker",
    "false_flag": "unknown",
    "latitude": 12.0,
    "longitude": -63.0,
    "place": "Caribbean Sea",
    "location_precision": "region",
    "agency": "US Coast Guard",
    "outcome": "seized",
    "summary": "A test incident.",
    "sources": [{"outlet": "Test", "url": "https://example.org/report"}],
    "verification": "verified",
    "added_at": "2026-01-20T12:00:00Z",
    "added_by": "tests",
    "added_via": "cli",
}


def _frame(*rows: dict[str, object]) -> pd.DataFrame:
    """A typed frame, as the store builds it, of incidents that differ from BASE by ``rows``."""
    incidents = [
        validate_incident({**BASE, "id": f"INC-{number:04d}", **row})
        for number, row in enumerate(rows, start=1)
    ]
    return incidents_frame(incidents)


BELLA_1 = {
    "date": "2025-12-20",
    "end_date": "2026-01-07",
    "event_type": "pursuit",
    "vessel_name": "Bella 1",
    "imo": "9230880",
    "flag": "GY",
    "false_flag": "yes",
    "outcome": "escaped",
}
MARINERA = {
    "date": "2026-01-07",
    "vessel_name": "Marinera",
    "former_names": "Bella 1",
    "imo": "9230880",
    "flag": "RU",
}


def test_bella_1_and_marinera_are_one_vessel_by_imo() -> None:
    # Listed Marinera first: the history must come back in date order all the same.
    frame = _frame(MARINERA, BELLA_1)
    history = vessel_history(frame, "imo:9230880")
    assert list(history["vessel_name"]) == ["Bella 1", "Marinera"]
    assert list(history["flag"]) == ["GY", "RU"]
    assert vessel_choices(frame) == [
        ("imo:9230880", "Marinera (ex Bella 1) · IMO 9230880 · 2 incidents")
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # A row without an IMO joins the one vessel that ever carried its name.
        ([BELLA_1, {"vessel_name": "BELLA 1"}], ["imo:9230880", "imo:9230880"]),
        # Without any IMO, a former name links the renamed vessel to its old name.
        (
            [{"vessel_name": "Minerva M"}, {"vessel_name": "Olina", "former_names": "Minerva M"}],
            ["name:minerva m", "name:minerva m"],
        ),
        # A name two IMOs have carried is ambiguous: the row stays a vessel of its own.
        (
            [
                {"vessel_name": "Sophia", "imo": "9230880"},
                {"vessel_name": "Sophia", "imo": "9304667"},
                {"vessel_name": "Sophia"},
            ],
            ["imo:9230880", "imo:9304667", "name:sophia"],
        ),
        # Different IMOs never merge, even under the same name.
        (
            [{"vessel_name": "Ace", "imo": "9230880"}, {"vessel_name": "Ace", "imo": "9206310"}],
            ["imo:9230880", "imo:9206310"],
        ),
        # Names match case-folded, not just lower-cased: STRASSE is Straße.
        (
            [{"vessel_name": "Straße", "imo": "9304667"}, {"vessel_name": " STRASSE "}],
            ["imo:9304667", "imo:9304667"],
        ),
        # Unrelated vessels without IMO stay apart.
        ([{"vessel_name": "Alpha"}, {"vessel_name": "Beta"}], ["name:alpha", "name:beta"]),
    ],
)
def test_vessel_keys_follow_imo_then_names(
    rows: list[dict[str, object]], expected: list[str]
) -> None:
    assert list(vessel_keys(_frame(*rows))) == expected


def test_every_curated_incident_belongs_to_exactly_one_vessel_choice(
    curated: pd.DataFrame,
) -> None:
    choices = vessel_choices(curated)
    histories = [vessel_history(curated, key) for key, _ in choices]
    ids = [incident_id for history in histories for incident_id in history["id"]]
    # Unnamed boats (most strikes) belong to no vessel, and so to no choice.
    named = curated[vessel_keys(curated).notna().to_numpy()]
    assert len(named) < len(curated)
    assert sorted(ids) == sorted(named["id"])
    for (_, label), history in zip(choices, histories, strict=True):
        count = len(history)
        assert label.endswith(f" · {count} incident{'s' if count != 1 else ''}")
        assert list(history["date"]) == sorted(history["date"])


def test_vessel_sources_list_every_source_of_the_vessel(curated: pd.DataFrame) -> None:
    key = vessel_choices(curated)[0][0]
    history = vessel_history(curated, key)
    sources = vessel_sources(history)
    assert len(sources) == sum(len(cited) for cited in history["sources"])
    assert set(sources["id"]) == set(history["id"])


def test_flag_counts_of_a_built_frame() -> None:
    frame = _frame(
        BELLA_1,
        MARINERA,
        {"vessel_name": "Olina", "flag": "TL", "false_flag": "yes"},
        {"vessel_name": "Veronica", "flag": "GY", "false_flag": "no"},
        {"vessel_name": "M Sophia"},
    )
    counts = flag_counts(frame)
    assert counts[["label", "incidents", "false_flags", "disputed"]].to_dict("records") == [
        {"label": "Guyana (GY)", "incidents": 2, "false_flags": 1, "disputed": 0},
        {"label": "Russian Federation (RU)", "incidents": 1, "false_flags": 0, "disputed": 1},
        {"label": "Timor-Leste (TL)", "incidents": 1, "false_flags": 1, "disputed": 0},
        {"label": "no flag / unknown", "incidents": 1, "false_flags": 0, "disputed": 1},
    ]
    assert list(counts["false_share"]) == [0.5, 0.0, 1.0, 0.0]


def test_flag_counts_of_the_curated_file_match_its_rows(curated: pd.DataFrame) -> None:
    counts = flag_counts(curated).set_index("label")
    assert counts["incidents"].sum() == len(curated)
    for code, rows in curated.groupby(curated["flag"].fillna(""), sort=False):
        row = counts.loc[flag_label(code or None)]
        false_flags = int((rows["false_flag"] == FalseFlag.YES).sum())
        assert row["incidents"] == len(rows)
        assert row["false_flags"] == false_flags
        assert row["disputed"] == int((rows["false_flag"] == FalseFlag.UNKNOWN).sum())
        assert row["false_share"] == pytest.approx(false_flags / len(rows))
    assert list(counts["incidents"]) == sorted(counts["incidents"], reverse=True)


def test_flag_counts_of_no_incidents_is_an_empty_table(curated: pd.DataFrame) -> None:
    assert flag_counts(curated.iloc[:0]).empty


def test_flag_chart_stacks_every_incident_by_false_flag_status(curated: pd.DataFrame) -> None:
    counts = flag_counts(curated)
    spec = build_flag_chart(counts).to_dict()
    bars = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert sum(bar["count"] for bar in bars) == len(curated)
    false_bars = [bar for bar in bars if bar["status"] == FALSE_FLAG_WORDS[FalseFlag.YES]]
    assert sum(bar["count"] for bar in false_bars) == (curated["false_flag"] == "yes").sum()


def test_the_picker_columns_give_the_same_vessels_and_flag_counts(curated: pd.DataFrame) -> None:
    # The vessels page copies only PICKER_COLUMNS out of the filtered incidents.
    narrow = curated[list(PICKER_COLUMNS)]
    assert vessel_keys(narrow).equals(vessel_keys(curated))
    assert vessel_choices(narrow) == vessel_choices(curated)
    assert flag_counts(narrow).equals(flag_counts(curated))
