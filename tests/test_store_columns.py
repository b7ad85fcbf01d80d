"""Loading by column (the fast path) gives exactly what validating one model per row gives.

The store validates each column's distinct cells with the schema's own field validators and
then each row with the model's own cross-field rules, and sends any row they reject through
validate_incident. These tests load the same files both ways and compare the whole result:
the frame, its types, and every problem with its line and wording.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.generate import write_incidents
from dashboard import store

GOOD_ROWS = 120


def _load_row_by_row(path: Path, monkeypatch: pytest.MonkeyPatch) -> store.LoadResult:
    """The file loaded with one pydantic model per row, as before the column path."""
    with monkeypatch.context() as patch:
        patch.setattr(store, "_column_rules", lambda: None)
        return store.load_incidents(path)


def _assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> store.LoadResult:
    by_column = store.load_incidents(path)
    by_row = _load_row_by_row(path, monkeypatch)
    pd.testing.assert_frame_equal(by_column.incidents, by_row.incidents, check_exact=True)
    assert by_column.problems == by_row.problems
    return by_column


def _rewrite(path: Path, changes: dict[int, dict[str, str]], extra_lines: dict[int, str]) -> None:
    """Change cells of data rows (by row index) and insert raw lines (by line index)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    for index, cells in changes.items():
        for column, value in cells.items():
            rows[index][header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    lines = buffer.getvalue().splitlines(keepends=True)
    for where, text in sorted(extra_lines.items(), reverse=True):
        lines.insert(where, text)
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    return write_incidents(tmp_path / "incidents.csv", GOOD_ROWS, seed=11)


def test_a_clean_generated_file_loads_the_same_both_ways(generated, monkeypatch) -> None:
    result = _assert_same(generated, monkeypatch)
    assert len(result.incidents) == GOOD_ROWS
    assert result.problems == ()


def test_the_curated_file_loads_the_same_both_ways(curated_copy, monkeypatch) -> None:
    _assert_same(curated_copy, monkeypatch)


@pytest.mark.parametrize(
    "cells",
    [
        {"date": "2099-01-01"},  # a field validator: dates in the future
        {"end_date": "2000-01-01"},  # the model's cross-field rule: end before start
        {"imo": "1234567"},  # a wrong IMO check digit
        {"latitude": "nan"},  # a field's before-validator
        {"latitude": "95"},  # a range check
        {"sources": "[]"},  # at least one source
        {"sources": "not json"},  # sources that do not parse
        {"flag": "XX", "event_type": "bogus"},  # two problems in one row, in field order
        {"summary": ""},  # required text left empty
        {"added_at": "2025-01-01T00:00:00"},  # an instant without a time zone
        {"id": "INC-12"},  # an id of the wrong form
        {"date": "bad", "end_date": "2000-01-01"},  # a field error hides the cross-field rule
        {"vessel_name": "  spaced\tname  "},  # accepted, cleaned the same way
    ],
)
def test_a_bad_or_odd_cell_gives_the_same_problem_both_ways(
    generated, monkeypatch, cells: dict[str, str]
) -> None:
    _rewrite(generated, {5: cells}, {})
    _assert_same(generated, monkeypatch)


def test_duplicate_ids_broken_lines_and_reviews_give_the_same_result_both_ways(
    generated, monkeypatch
) -> None:
    rows = list(csv.reader(generated.open(encoding="utf-8")))
    _rewrite(
        generated,
        {9: {"id": rows[2][0]}, 30: {"end_date": "2000-01-01"}},
        {
            40: "INC-9999,short,row\n",  # the wrong number of fields
            50: '"unterminated,quote\n',  # not valid CSV
            60: "\n",  # a blank line
        },
    )
    with generated.open("a", encoding="utf-8") as handle:
        handle.write("INC-7777,torn")  # a write cut short
    generated.with_name("incidents.reviews.csv").write_text(
        "incident_id,decision,reviewer,reviewed_at,note\n"
        "INC-0002,rejected,editor,2026-01-01T00:00:00Z,\n"
        "INC-0004,verified,editor,not a time,\n",
        encoding="utf-8",
    )
    result = _assert_same(generated, monkeypatch)
    assert len(result.bad_lines) >= 6
