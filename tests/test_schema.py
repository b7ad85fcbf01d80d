"""The incident schema: which values each field accepts, how it says no, and the CSV round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from incident_samples import DROP, draft_fields

from dashboard.errors import IncidentValidationError
from dashboard.schema import (
    COLUMNS,
    AddedVia,
    Incident,
    Verification,
    flag_label,
    to_csv_row,
    validate_draft,
    validate_incident,
)

TODAY = dt.datetime.now(dt.UTC).date()
SOURCE = {"outlet": "Example News", "url": "https://example.org/a"}


def _problem_fields(fields: dict[str, object]) -> list[str]:
    """The fields validation names as wrong, in order; fails the test if the draft passes."""
    with pytest.raises(IncidentValidationError) as caught:
        validate_draft(fields)
    return [problem.field for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        # The four real IMO numbers from the reports: each has a valid check digit.
        ("imo", "9304667", "9304667"),
        ("imo", "9206310", "9206310"),
        ("imo", "9230880", "9230880"),
        ("imo", "9289477", "9289477"),
        # An "IMO" prefix and spaces, as reports write it, are dropped.
        ("imo", "IMO 9304667", "9304667"),
        # An empty optional field is stored as nothing.
        ("imo", "", None),
        ("mmsi", "351 234 567", "351234567"),
        # Flags are ISO codes in any case, stored upper-case.
        ("flag", "pa", "PA"),
        ("flag", " gy ", "GY"),
        ("flag", "", None),
        # The ends of the coordinate ranges are still positions.
        ("latitude", 90, 90.0),
        ("latitude", "-90", -90.0),
        ("longitude", 180, 180.0),
        ("longitude", -180.0, -180.0),
        ("longitude", "-66.9", -66.9),
        # Line breaks (of any kind) and runs of spaces collapse: a record stays one CSV line.
        (
            "summary",
            "Seized at dawn.\nTowed to port.\r\nCargo  held.",
            "Seized at dawn. Towed to port. Cargo held.",
        ),
        ("place", "Gulf of\u2028Paria", "Gulf of Paria"),
        ("vessel_name", "  Skipper\t", "Skipper"),
        # Lists are written with ";" and lose empty entries.
        ("former_names", "Adisa; Toyo;;", ("Adisa", "Toyo")),
        ("linked_to", ["Iran", " China "], ("Iran", "China")),
        # Today is not the future, wherever the user is.
        ("date", TODAY.isoformat(), TODAY),
        ("end_date", "2025-12-10", dt.date(2025, 12, 10)),
        ("date_precision", "month", "month"),
    ],
)
def test_draft_accepts_and_normalises_good_values(field, given, stored):
    draft = validate_draft(draft_fields(**{field: given}))
    assert getattr(draft, field) == stored


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://example.org/a", "https://example.org/a"),
        # Plain http is still a web page.
        ("http://example.org/a?b=1#c", "http://example.org/a?b=1#c"),
        # The scheme is case-insensitive.
        ("HTTPS://example.org/a", "HTTPS://example.org/a"),
    ],
)
def test_source_accepts_web_urls(url, stored):
    draft = validate_draft(draft_fields(sources=[{**SOURCE, "url": url}]))
    assert draft.sources[0].url == stored


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        # Each real IMO with its check digit changed.
        ({"imo": "9304668"}, ["imo"]),
        ({"imo": "9206311"}, ["imo"]),
        ({"imo": "9230881"}, ["imo"]),
        ({"imo": "9289478"}, ["imo"]),
        # Each real IMO with its first digit changed.
        ({"imo": "8304667"}, ["imo"]),
        ({"imo": "8206310"}, ["imo"]),
        ({"imo": "8230880"}, ["imo"]),
        ({"imo": "8289477"}, ["imo"]),
        # Each real IMO with a middle digit changed.
        ({"imo": "9305667"}, ["imo"]),
        ({"imo": "9207310"}, ["imo"]),
        ({"imo": "9231880"}, ["imo"]),
        ({"imo": "9280477"}, ["imo"]),
        # Too short, too long, not digits (fullwidth digits are not ASCII digits).
        ({"imo": "930466"}, ["imo"]),
        ({"imo": "93046670"}, ["imo"]),
        ({"imo": "93O4667"}, ["imo"]),
        ({"imo": "９３０４６６７"}, ["imo"]),
        # An MMSI is nine digits, and a ship's starts with 2 to 7.
        ({"mmsi": "35123456"}, ["mmsi"]),
        ({"mmsi": "111234567"}, ["mmsi"]),
        # Out of range is an error, never wrapped (geopy would turn 190 into -170).
        ({"latitude": 95}, ["latitude"]),
        ({"latitude": -90.5}, ["latitude"]),
        ({"longitude": 190}, ["longitude"]),
        ({"longitude": -181}, ["longitude"]),
        ({"latitude": "nan"}, ["latitude"]),
        ({"longitude": "inf"}, ["longitude"]),
        ({"latitude": "ten north"}, ["latitude"]),
        # Source URLs: a script or inline data is an attack, not a source.
        ({"sources": [{**SOURCE, "url": "javascript:alert(1)"}]}, ["sources[0].url"]),
        ({"sources": [{**SOURCE, "url": "JavaScript:alert(document.cookie)"}]}, ["sources[0].url"]),
        (
            {"sources": [{**SOURCE, "url": "data:text/html,<script>alert(1)</script>"}]},
            ["sources[0].url"],
        ),
        ({"sources": [{**SOURCE, "url": "ftp://example.org/a"}]}, ["sources[0].url"]),
        ({"sources": [{**SOURCE, "url": "example.org/a"}]}, ["sources[0].url"]),
        # Only the bad source of several is named.
        ({"sources": [SOURCE, {**SOURCE, "url": "javascript:x"}]}, ["sources[1].url"]),
        ({"sources": [{**SOURCE, "outlet": ""}]}, ["sources[0].outlet"]),
        # Every incident needs a source.
        ({"sources": []}, ["sources"]),
        ({"sources": DROP}, ["sources"]),
        ({"sources": "not json"}, ["sources"]),
        # Dates: an end before the start, the future, and formats that are not ISO.
        ({"date": "2025-12-20", "end_date": "2025-12-10"}, ["end_date"]),
        ({"date": (TODAY + dt.timedelta(days=5)).isoformat()}, ["date"]),
        ({"end_date": (TODAY + dt.timedelta(days=30)).isoformat()}, ["end_date"]),
        ({"date": "10/12/2025"}, ["date"]),
        ({"date": "2025-13-01"}, ["date"]),
        # Flags: unassigned, a name instead of a code, too short.
        ({"flag": "XX"}, ["flag"]),
        ({"flag": "Panama"}, ["flag"]),
        ({"flag": "P"}, ["flag"]),
        # Vocabularies are closed.
        ({"event_type": "raid"}, ["event_type"]),
        ({"date_precision": "week"}, ["date_precision"]),
        ({"location_precision": "vague"}, ["location_precision"]),
        # Required text may not be blank, and text has a length limit.
        ({"vessel_name": "  "}, ["vessel_name"]),
        ({"summary": "x" * 1001}, ["summary"]),
        ({"place": DROP}, ["place"]),
        # A field the schema does not know is refused rather than silently dropped.
        ({"colour": "red"}, ["colour"]),
        # Every wrong field is named, not just the first.
        ({"imo": "9304668", "latitude": 95, "flag": "XX"}, ["imo", "flag", "latitude"]),
    ],
)
def test_draft_rejects_bad_values_naming_the_field(changes, fields):
    assert _problem_fields(draft_fields(**changes)) == fields


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        # The message says what the range is, and what was given.
        ({"latitude": 95}, ["latitude", "-90", "90", "95"]),
        ({"longitude": 190}, ["longitude", "-180", "180", "190"]),
        ({"imo": "9304668"}, ["imo", "check digit"]),
        ({"flag": "XX"}, ["flag", "'XX'", "ISO 3166-1"]),
        ({"sources": [{**SOURCE, "url": "javascript:alert(1)"}]}, ["sources[0].url", "http"]),
        ({"sources": []}, ["sources", "at least one source"]),
        ({"date": "2025-12-20", "end_date": "2025-12-10"}, ["end_date", "before", "2025-12-20"]),
        ({"date": "2099-01-01"}, ["date", "future"]),
        ({"date": "10/12/2025"}, ["date", "YYYY-MM-DD"]),
        ({"event_type": "raid"}, ["event_type", "seizure", "pursuit"]),
    ],
)
def test_error_message_names_field_and_reason(changes, words):
    with pytest.raises(IncidentValidationError) as caught:
        validate_draft(draft_fields(**changes))
    message = str(caught.value)
    assert [word for word in words if word not in message] == []


def test_problem_carries_the_line_number_it_is_given():
    with pytest.raises(IncidentValidationError) as caught:
        validate_draft(draft_fields(latitude=95), line=7)
    assert [str(problem) for problem in caught.value.problems] == [
        "line 7: latitude: must be between -90 and 90 degrees; got 95"
    ]


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("PA", "Panama (PA)"),
        ("GY", "Guyana (GY)"),
        # No flag at all (a stateless vessel) still reads as words.
        (None, "no flag / unknown"),
        ("", "no flag / unknown"),
    ],
)
def test_flag_label_names_the_country(code, label):
    assert flag_label(code) == label


def _incident(**changes: object) -> Incident:
    provenance = {
        "id": "INC-0042",
        "verification": Verification.UNVERIFIED,
        "added_at": dt.datetime(2026, 1, 20, 12, 0, tzinfo=dt.UTC),
        "added_by": "tests",
        "added_via": AddedVia.CLI,
    }
    return validate_incident({**draft_fields(), **provenance, **changes})


@pytest.mark.parametrize(
    "incident",
    [
        # The sample as it is: lists, an IMO, a flag, one source.
        _incident(),
        # Everything optional left out.
        _incident(former_names="", imo="", flag="", linked_to="", notes=""),
        # Every optional field filled, two sources, one without title or date.
        _incident(
            end_date="2025-12-28",
            mmsi="351234567",
            registry="Panama (lapsed)",
            sanctions="OFAC 2022-11-03 (as Adisa)",
            notes="Reports conflict on the flag.",
            sources=[SOURCE, {**SOURCE, "title": "Second", "published": "2025-12-12"}],
        ),
        # CSV-hostile text: commas, quotes, non-Latin letters, a leading formula sign.
        _incident(
            vessel_name='"Sea, Star" ñ',
            summary='She said "stop", then =1+1; Curaçao.',
            place="Golfo de Paria, Venezuela",
        ),
        # Negative and long coordinates keep every digit.
        _incident(latitude=-0.1234567891234, longitude=-179.99999999999),
        # A time zone other than UTC is converted, not lost.
        _incident(added_at="2026-01-20T08:00:00-04:00"),
    ],
)
def test_incident_survives_the_csv_row_round_trip(incident):
    row = to_csv_row(incident)
    assert len(row) == len(COLUMNS)
    assert validate_incident(dict(zip(COLUMNS, row, strict=True))) == incident


@given(
    text=st.text(min_size=1, max_size=300),
    latitude=st.floats(min_value=-90, max_value=90),
    longitude=st.floats(min_value=-180, max_value=180),
)
def test_any_valid_text_and_position_survive_a_written_csv_line(text, latitude, longitude):
    try:
        incident = _incident(summary=text, notes=text, latitude=latitude, longitude=longitude)
    except IncidentValidationError:
        return  # text that is blank once cleaned is rightly refused
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(to_csv_row(incident))
    line = buffer.getvalue()
    assert line.count("\n") == 1
    cells = next(csv.reader(io.StringIO(line)))
    assert validate_incident(dict(zip(COLUMNS, cells, strict=True))) == incident
