"""The incident store: loading good rows beside reported bad ones, appends, reviews, imports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from incident_samples import draft_fields, make_incident_file

from dashboard import store
from dashboard.errors import DataFileError, IncidentValidationError
from dashboard.schema import (
    COLUMNS,
    AddedVia,
    IncidentDraft,
    Verification,
    incident_number,
    to_csv_row,
    validate_draft,
)


@pytest.fixture(autouse=True)
def _no_default_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default data path into tmp_path, so no test can touch the curated file."""
    monkeypatch.setenv(store.DATA_PATH_ENV, str(tmp_path / "default" / "incidents.csv"))


@pytest.fixture
def incident_file(tmp_path: Path) -> Path:
    """A tmp copy of the curated file (or samples before it exists) that loads cleanly."""
    path = make_incident_file(tmp_path)
    result = store.load_incidents(path)
    assert result.problems == (), "the curated file itself has problems; run validate"
    return path


def _append(path: Path, **changes: object):
    return store.append_incident(
        validate_draft(draft_fields(**changes)),
        added_by="tests",
        added_via=AddedVia.CLI,
        path=path,
    )


def _ids(path: Path) -> list[str]:
    return list(store.load_incidents(path).incidents["id"])


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _csv_line(cells: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


# --- loading ----------------------------------------------------------------------------------


def _bad_row(template: list[str], column: str, value: str) -> list[str]:
    row = list(template)
    row[COLUMNS.index(column)] = value
    return row


@pytest.mark.parametrize(
    ("corrupt", "field"),
    [
        # A date that is not a date.
        (lambda row: _bad_row(row, "date", "2025-02-30"), "date"),
        # A flag that no country has.
        (lambda row: _bad_row(row, "flag", "XX"), "flag"),
        # An unquoted comma in a hand edit: one cell too many.
        (lambda row: [*row, "extra"], "record"),
        # A cell lost in a hand edit: one cell too few.
        (lambda row: row[:-1], "record"),
        # A coordinate out of range.
        (lambda row: _bad_row(row, "latitude", "95"), "latitude"),
        # A source URL that would run script in a browser.
        (
            lambda row: _bad_row(row, "sources", '[{"outlet": "x", "url": "javascript:alert(1)"}]'),
            "sources[0].url",
        ),
    ],
)
def test_bad_line_is_reported_with_its_number_and_the_rest_still_loads(
    incident_file, corrupt, field
):
    before = store.load_incidents(incident_file)
    template = to_csv_row(_append(incident_file, vessel_name="Template"))
    good_after = _append(incident_file, vessel_name="After the bad line")
    lines = incident_file.read_bytes().splitlines(keepends=True)
    bad_line_number = len(lines)  # the bad line goes in before the last good one
    lines.insert(-1, _csv_line(corrupt(template)))
    incident_file.write_bytes(b"".join(lines))

    result = store.load_incidents(incident_file)

    assert [(p.line, p.field) for p in result.problems] == [(bad_line_number, field)]
    assert result.bad_lines == (bad_line_number,)
    expected_ids = [*before.incidents["id"], template[0], good_after.id]
    assert list(result.incidents["id"]) == expected_ids


def test_corrupt_file_reports_every_bad_line_and_loads_every_good_one(incident_file):
    base_ids = _ids(incident_file)
    base = incident_file.read_bytes()
    good = [_append(incident_file, vessel_name=f"Good {n}") for n in range(4)]
    good_lines = incident_file.read_bytes()[len(base) :].splitlines(keepends=True)
    template = to_csv_row(good[0])
    torn = _csv_line(_bad_row(template, "id", "INC-9005"))
    body = [
        good_lines[0],
        _csv_line(_bad_row(_bad_row(template, "id", "INC-9001"), "date", "2025-12-32")),
        good_lines[1],
        _csv_line(_bad_row(_bad_row(template, "id", "INC-9002"), "flag", "XX")),
        good_lines[2],
        _csv_line([*template[:5], "an unquoted, comma", *template[5:]]),
        _csv_line(template),  # good[0]'s id again
        good_lines[3],
        torn[: len(torn) // 2],  # a write cut short: no line break at the end
    ]
    incident_file.write_bytes(base + b"".join(body))
    first = _line_count(base) + 1  # the file line number of body[0]

    result = store.load_incidents(incident_file)

    assert [(p.line, p.field) for p in result.problems] == [
        (first + 1, "date"),
        (first + 3, "flag"),
        (first + 5, "record"),
        (first + 6, "id"),
        (first + 8, "record"),
    ]
    assert f"already used on line {first}" in result.problems[3].reason
    assert "incomplete" in result.problems[4].reason
    assert list(result.incidents["id"]) == [*base_ids, *(incident.id for incident in good)]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        # A file that exists but holds nothing.
        (b"", "empty"),
        # A header missing a column (as if `id` were dropped).
        (",".join(COLUMNS[1:]).encode() + b"\n", "missing id"),
        # A header with a column the schema does not have.
        (",".join([*COLUMNS, "colour"]).encode() + b"\n", "unknown colour"),
        # Some other CSV altogether.
        (b"name,value\na,1\n", "does not match"),
        # Not UTF-8 text (Latin-1 bytes of a spreadsheet export).
        (",".join(COLUMNS).encode() + b"\nCura\xe7ao\n", "not UTF-8"),
    ],
)
def test_unusable_file_is_a_data_file_error(tmp_path, content, words):
    path = tmp_path / "incidents.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=words):
        store.load_incidents(path)


def test_missing_file_is_a_data_file_error_naming_the_setting(tmp_path):
    with pytest.raises(DataFileError, match=store.DATA_PATH_ENV):
        store.load_incidents(tmp_path / "nowhere.csv")


def test_header_only_file_loads_as_no_incidents(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    result = store.load_incidents(path)
    assert (len(result.incidents), result.problems) == (0, ())
    assert list(result.incidents.columns) == list(COLUMNS)


def test_data_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DATA_PATH_ENV, str(tmp_path / "elsewhere.csv"))
    assert store.data_path() == tmp_path / "elsewhere.csv"
    monkeypatch.delenv(store.DATA_PATH_ENV)
    assert store.data_path() == store.DEFAULT_DATA_PATH


# --- appending --------------------------------------------------------------------------------


def test_append_assigns_increasing_ids_and_never_rewrites_earlier_bytes(incident_file):
    before = incident_file.read_bytes()
    highest = max(incident_number(incident_id) for incident_id in _ids(incident_file))

    added = [_append(incident_file, vessel_name=f"New {n}") for n in range(3)]

    after = incident_file.read_bytes()
    assert after[: len(before)] == before
    assert [incident_number(incident.id) for incident in added] == [
        highest + 1,
        highest + 2,
        highest + 3,
    ]
    assert _line_count(after) == _line_count(before) + 3
    result = store.load_incidents(incident_file)
    assert result.problems == ()
    assert list(result.incidents["id"][-3:]) == [incident.id for incident in added]
    assert list(result.incidents["vessel_name"][-3:]) == ["New 0", "New 1", "New 2"]


def test_append_creates_a_missing_file_with_the_header(tmp_path):
    path = tmp_path / "new" / "incidents.csv"
    incident = _append(path)
    assert incident.id == "INC-0001"
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert _ids(path) == ["INC-0001"]


def test_appended_incident_loads_back_equal(incident_file):
    incident = _append(incident_file, end_date="2025-12-12", mmsi="351234567", notes='n, "q"')
    frame = store.load_incidents(incident_file).incidents
    row = frame[frame["id"] == incident.id]
    assert len(row) == 1
    reloaded = {column: row[column].iloc[0] for column in ("vessel_name", "notes", "mmsi")}
    assert reloaded == {"vessel_name": "Test Tanker", "notes": 'n, "q"', "mmsi": "351234567"}
    assert row["end_date"].iloc[0].date().isoformat() == "2025-12-12"


def _torn_cut(line: bytes, where: str) -> int:
    """Where in ``line`` a killed writer stopped."""
    offsets = {
        "inside the id": 5,
        "after a few cells": line.index(b",seizure,") + 4,
        "inside the quoted summary": line.index(b'"She said') + 8,
        "inside the quoted sources": line.index(b'""outlet""') + 6,
        "before the last cell": line.rindex(b",") + 1,
        "inside the last cell": line.rindex(b",") + 2,
    }
    return offsets[where]


@pytest.mark.parametrize(
    "where",
    [
        # The kill came before much of the line was written.
        "inside the id",
        "after a few cells",
        # Cut inside a quoted cell: the reader must not swallow the lines after the fence.
        "inside the quoted summary",
        "inside the quoted sources",
        # Cut late: every cell but part of the last is there.
        "before the last cell",
        "inside the last cell",
    ],
)
def test_append_after_a_torn_line_fences_it_off_and_the_new_rows_load(incident_file, where):
    before_ids = _ids(incident_file)
    victim = _append(incident_file, summary='She said "stop", then it was seized.')
    data = incident_file.read_bytes()
    line = _csv_line(to_csv_row(victim))
    torn = data[: len(data) - len(line) + _torn_cut(line, where)]
    incident_file.write_bytes(torn)
    torn_line_number = _line_count(torn)

    result = store.load_incidents(incident_file)
    assert result.bad_lines == (torn_line_number,)
    assert list(result.incidents["id"]) == before_ids

    added = [_append(incident_file, vessel_name=f"After {n}") for n in range(2)]

    after = incident_file.read_bytes()
    assert after[: len(torn)] == torn
    result = store.load_incidents(incident_file)
    assert result.bad_lines == (torn_line_number,)
    assert list(result.incidents["id"]) == [*before_ids, *(incident.id for incident in added)]
    # Once the torn record's id is on disk, it is never handed out again.
    if f"{victim.id},".encode() in torn:
        assert victim.id not in {incident.id for incident in added}


# --- reviews ----------------------------------------------------------------------------------


def test_reviews_change_verification_and_are_only_ever_appended(incident_file):
    incident = _append(incident_file)
    incident_bytes = incident_file.read_bytes()
    log = store.reviews_path(incident_file)

    decisions = [Verification.VERIFIED, Verification.REJECTED, Verification.VERIFIED]
    seen = []
    for decision in decisions:
        log_before = log.read_bytes() if log.exists() else b""
        store.record_review(
            incident.id, decision, reviewer="editor", note=f"now {decision}", path=incident_file
        )
        assert log.read_bytes()[: len(log_before)] == log_before
        frame = store.load_incidents(incident_file).incidents
        seen.append(frame.loc[frame["id"] == incident.id, "verification"].iloc[0])

    assert seen == [decision.value for decision in decisions]
    assert incident_file.read_bytes() == incident_bytes
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1 + len(decisions)


def test_review_of_one_incident_leaves_the_others_alone(incident_file):
    before = store.load_incidents(incident_file).incidents.set_index("id")["verification"]
    incident = _append(incident_file)
    store.record_review(incident.id, Verification.REJECTED, reviewer="editor", path=incident_file)
    after = store.load_incidents(incident_file).incidents.set_index("id")["verification"]
    assert after[incident.id] == "rejected"
    assert after.drop(incident.id).to_dict() == before.to_dict()


# --- importing --------------------------------------------------------------------------------


def _import_text(rows: list[dict[str, object]]) -> str:
    """An import file holding ``rows``, with a header of the draft columns they use."""
    columns = [name for name in IncidentDraft.model_fields if any(name in row for row in rows)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        cells = dict(row)
        if not isinstance(cells["sources"], str):
            cells["sources"] = json.dumps(cells["sources"])
        writer.writerow(cells)
    return buffer.getvalue()


def test_import_appends_every_row_with_consecutive_ids(incident_file):
    before = incident_file.read_bytes()
    highest = max(incident_number(incident_id) for incident_id in _ids(incident_file))
    text = _import_text([draft_fields(vessel_name=f"Imported {n}") for n in range(3)])

    imported = store.import_incidents(
        store.drafts_from_csv(text, name="import.csv"), added_by="tests", path=incident_file
    )

    assert [incident_number(incident.id) for incident in imported] == [
        highest + 1,
        highest + 2,
        highest + 3,
    ]
    assert {incident.added_via for incident in imported} == {AddedVia.IMPORT}
    assert incident_file.read_bytes()[: len(before)] == before
    result = store.load_incidents(incident_file)
    assert result.problems == ()
    assert list(result.incidents["vessel_name"][-3:]) == ["Imported 0", "Imported 1", "Imported 2"]


def test_import_with_any_bad_row_reports_them_all_and_writes_nothing(incident_file):
    before = incident_file.read_bytes()
    text = _import_text(
        [
            draft_fields(vessel_name="Fine"),
            draft_fields(imo="9304668"),
            draft_fields(vessel_name="Also fine"),
            draft_fields(latitude=95, flag="XX"),
        ]
    )
    with pytest.raises(IncidentValidationError) as caught:
        store.drafts_from_csv(text, name="import.csv")
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (3, "imo"),
        (5, "flag"),
        (5, "latitude"),
    ]
    assert incident_file.read_bytes() == before


def test_append_to_an_emptied_file_writes_the_header_first(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"")  # truncated by hand, say
    incident = _append(path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert _ids(path) == [incident.id]


def test_import_file_may_leave_out_optional_columns(incident_file):
    required_only = {
        # vessel_name is optional only for strikes; the sample is a seizure.
        name: value
        for name, value in draft_fields().items()
        if name in store.REQUIRED_DRAFT_FIELDS or name == "vessel_name"
    }
    drafts = store.drafts_from_csv(_import_text([required_only]), name="import.csv")
    assert [draft.imo for draft in drafts] == [None]


def test_import_file_missing_a_required_column_is_refused(incident_file):
    without_summary = {k: v for k, v in draft_fields().items() if k != "summary"}
    with pytest.raises(DataFileError, match="missing summary"):
        store.drafts_from_csv(_import_text([without_summary]), name="import.csv")


def test_a_writer_stuck_holding_the_lock_is_a_clear_error(incident_file, monkeypatch):
    from filelock import FileLock

    monkeypatch.setattr(store, "LOCK_TIMEOUT_SECONDS", 0.2)
    before = incident_file.read_bytes()
    with FileLock(f"{incident_file}.lock"), pytest.raises(DataFileError, match="locked"):
        _append(incident_file)
    assert incident_file.read_bytes() == before


def test_a_bad_added_by_is_a_field_problem_not_a_crash(incident_file):
    with pytest.raises(IncidentValidationError) as caught:
        store.append_incident(
            validate_draft(draft_fields()),
            added_by="  ",
            added_via=AddedVia.CLI,
            path=incident_file,
        )
    assert [problem.field for problem in caught.value.problems] == ["added_by"]
