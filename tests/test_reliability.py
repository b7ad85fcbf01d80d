"""Issue 10: ids that never repeat, fields the loader can always read back, imports that keep
the file's link, mode and owner and skip duplicates, and command-line failures in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from incident_samples import draft_fields

from dashboard import store
from dashboard.errors import IncidentValidationError
from dashboard.schema import (
    MAX_LIST_ITEMS,
    MAX_NOTES_CHARS,
    MAX_SHORT_TEXT_CHARS,
    MAX_SOURCES,
    MAX_SUMMARY_CHARS,
    MAX_URL_CHARS,
    AddedVia,
    validate_draft,
)


@pytest.fixture(autouse=True)
def _no_default_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default data path into tmp_path, so no test can touch the curated file."""
    monkeypatch.setenv(store.DATA_PATH_ENV, str(tmp_path / "default" / "incidents.csv"))


def _append(path: Path, **changes: object) -> str:
    draft = validate_draft(draft_fields(**changes))
    return store.append_incident(draft, added_by="tests", added_via=AddedVia.CLI, path=path).id


# --- ids ---------------------------------------------------------------------------------------


def test_ids_never_repeat_when_the_last_record_is_longer_than_the_first_read(tmp_path, monkeypatch):
    # The first read of the file's end is shorter than any record here: the id must still be
    # found (before, a record longer than 64 KB made the next two appends reuse INC-0001/2).
    monkeypatch.setattr(store, "TAIL_BYTES", 16)
    path = tmp_path / "incidents.csv"
    ids = [_append(path, summary="x" * 900) for _ in range(4)]
    assert ids == ["INC-0001", "INC-0002", "INC-0003", "INC-0004"]
    result = store.load_incidents(path)
    assert result.problems == ()
    assert list(result.incidents["id"]) == ids


def test_a_record_ending_mid_window_is_not_mistaken_for_a_line_start(tmp_path, monkeypatch):
    # A cell holding "INC-9999," that the first window happens to cut at is not an id.
    monkeypatch.setattr(store, "TAIL_BYTES", 64)
    path = tmp_path / "incidents.csv"
    _append(path)
    _append(path, notes="see INC-9999, the earlier one " + "y" * 40)
    assert _append(path) == "INC-0003"


# --- strict types, date floors, bounds ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"latitude": True}, "latitude", "number of degrees"),  # JSON true is not 1.0
        ({"longitude": False}, "longitude", "number of degrees"),
        ({"latitude": "1" * 5000}, "latitude", "number of degrees"),  # not a coordinate
        ({"date": "1765324800"}, "date", "YYYY-MM-DD"),  # seconds since 1970 are not a date
        ({"date": 1765324800}, "date", "YYYY-MM-DD"),
        ({"date": "2025-12-10T00:00:00"}, "date", "YYYY-MM-DD"),
        ({"date": "0001-01-01"}, "date", "before 1900-01-01"),  # a slip of the year
        ({"end_date": "1899-12-31"}, "end_date", "before 1900-01-01"),
        ({"date": "2025-02-30"}, "date", "not a day of the calendar"),
        ({"killed": True}, "killed", "whole number"),
        ({"killed": 2.5}, "killed", "whole number"),
        ({"killed": "1e3"}, "killed", "whole number"),
        ({"survivors": -1}, "survivors", "at least 0"),
        ({"vessels_struck": "9" * 5000}, "vessels_struck", "at most 1,000,000"),
        # A source published after tomorrow is a slip of the year, not news from the future.
        (
            {"sources": [{"outlet": "X", "url": "https://x.org/a", "published": "2099-01-01"}]},
            "sources[0].published",
            "in the future",
        ),
        (
            {"sources": [{"outlet": "X", "url": "https://x.org/?q=" + "a" * 70_000}]},
            "sources[0].url",
            "at most 2,000 characters",
        ),
        ({"sources": [{"outlet": "X", "url": "https://x.org/a"}] * 21}, "sources", "at most 20"),
        ({"sources": "[" * 100_000}, "sources", "JSON list"),  # no RecursionError
        ({"former_names": ";".join(f"N{i}" for i in range(21))}, "former_names", "at most 20"),
        ({"linked_to": "x" * 301}, "linked_to", "at most 300 characters"),
        ({"notes": "n" * 2001}, "notes", "at most 2,000 characters"),
    ],
)
def test_lax_or_unbounded_values_are_refused_in_plain_words(changes, field, words):
    with pytest.raises(IncidentValidationError) as raised:
        validate_draft(draft_fields(**changes))
    problems = {problem.field: problem.reason for problem in raised.value.problems}
    assert field in problems, problems
    assert words in problems[field]


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Skip\u202eper", "Skipper"),  # right-to-left override
        ("Cent\u200buries", "Centuries"),  # zero-width space
        ("\u2066Bella 1\u2069", "Bella 1"),  # isolates
        ("\ufeffMarinera", "Marinera"),  # a pasted byte-order mark
        ("Cafe\u0301", "Café"),  # decomposed é becomes the one composed character (NFC)
    ],
)
def test_names_lose_invisible_and_direction_characters_and_are_nfc(name, stored):
    draft = validate_draft(
        draft_fields(vessel_name=name, former_names=name, imo=f"IMO\u200b{9304667}")
    )
    assert draft.vessel_name == stored
    assert draft.former_names == (stored,)
    assert draft.imo == "9304667"


def test_the_largest_record_the_schema_allows_is_written_and_read_back(tmp_path):
    path = tmp_path / "incidents.csv"
    long = "ñ" * MAX_SHORT_TEXT_CHARS
    sources = [
        {
            "outlet": long,
            "title": long,
            "url": "https://example.org/?q=" + "a" * (MAX_URL_CHARS - 23),
            "published": "2025-12-11",
        }
    ] * MAX_SOURCES
    draft = validate_draft(
        draft_fields(
            vessel_name=long,
            former_names=[f"{i}{long[:-2]}" for i in range(10, 10 + MAX_LIST_ITEMS)],
            place=long,
            agency=long,
            summary="s" * MAX_SUMMARY_CHARS,
            notes="n" * MAX_NOTES_CHARS,
            sources=sources,
        )
    )
    incident = store.append_incident(draft, added_by=long, added_via=AddedVia.CLI, path=path)
    result = store.load_incidents(path)
    assert result.problems == ()
    assert result.incidents.iloc[0]["sources"][0]["url"] == sources[0]["url"]
    assert _append(path) == "INC-0002"
    assert incident.id == "INC-0001"
