"""Reading in bulk with Arrow, and from the parsed copy, gives what reading line by line gives.

The bulk path only accepts cells whose value is plain; every other cell goes to its field's
validator and every rejected row to the full row validation. These tests load the suite's
corrupt files both ways and compare the whole result: the frame, its types, and every problem
with its line and wording; then once more from the cached copy.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.generate import write_incidents
from dashboard import bulk_load, store

ROWS = 120


def _assert_same(path: Path) -> store.LoadResult:
    """Load ``path`` line by line, in bulk and from the cache; all three must be equal."""
    by_line = store.load_incidents(path, bulk=False)
    bulk_load.cache_path(path).unlink(missing_ok=True)
    in_bulk = store.load_incidents(path)
    cached = store.load_incidents(path)
    for result in (in_bulk, cached):
        pd.testing.assert_frame_equal(result.incidents, by_line.incidents, check_exact=True)
        assert result.problems == by_line.problems
    return in_bulk


def _rewrite(path: Path, changes: dict[int, dict[str, str]]) -> None:
    """Change cells of data rows (by row index), writing the file as the store does."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    for index, cells in changes.items():
        for column, value in cells.items():
            rows[index][header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    return write_incidents(tmp_path / "incidents.csv", ROWS, seed=11)


def test_a_clean_file_is_read_in_bulk_and_cached(generated) -> None:
    assert bulk_load._parse(generated) is not None  # not handed to the line-by-line path
    result = _assert_same(generated)
    assert len(result.incidents) == ROWS and result.problems == ()
    assert bulk_load.cache_path(generated).exists()


def test_the_curated_file_loads_the_same_every_way(curated_copy) -> None:
    _assert_same(curated_copy)


@pytest.mark.parametrize(
    "cells",
    [
        {"date": "2099-01-01"},  # in the future
        {"date": "2025-02-30"},  # a day the month does not have (strptime would roll it over)
        {"end_date": "2000-01-01"},  # the cross-field rule: end before start
        {"vessel_name": "", "event_type": "seizure"},  # only a strike may leave the vessel out
        {"vessel_name": "", "event_type": "strike"},  # ...which it may
        {"imo": "1234567"},  # a wrong IMO check digit
        {"imo": "IMO 9176187"},  # a prefix the validator strips: accepted, cleaned
        {"mmsi": "123456789"},  # not a ship's MMSI
        {"flag": "pa"},  # lower case: the validator upper-cases it
        {"flag": "XX", "event_type": "bogus"},  # two problems in one row, in field order
        {"latitude": "nan"},  # a field's before-validator
        {"latitude": "95"},  # out of range
        {"longitude": "1e1"},  # a number the bulk pattern leaves to the validator
        {"killed": "-1"},  # counts are never negative
        {"killed": "007"},  # leading zeros: the validator's reading decides
        {"sources": "[]"},  # at least one source
        {"sources": "not json"},  # not JSON: the whole column goes to the validator
        {"sources": '[{"outlet": "x", "url": "javascript:alert(1)"}]'},  # no script URLs
        {"sources": '[{"outlet": "x", "url": "https://a.example", "extra": "y"}]'},  # unknown key
        {"sources": '[{"outlet": "A", "url": "https://a.example", "outlet": "B"}]'},  # repeated
        {"sources": '[{"outlet": "x", "url": "https://a.example", "title": null}]'},  # null
        {"sources": '[{"outlet": "x", "url": "https://a.example", "published": 2025}]'},
        {"date": "1899-12-31"},  # before the bulk path's floor: left to the validator
        {"place": "Cafe\u0301 Point"},  # not in NFC: left to the validator
        {"vessel_name": "Sea\u200bStar"},  # an invisible character: left to the validator
        {"killed": "1000001"},  # more digits than the bulk path takes
        {"linked_to": ";".join(f"N{n}" for n in range(25))},  # many list items
        {"id": "INC-1234567890"},  # a long id
        {"summary": ""},  # required text left empty
        {"summary": "x" * 1001},  # too long
        {"place": "  spaced\tplace  "},  # accepted, cleaned the same way
        {"former_names": "A;;B; C"},  # list cells cleaned
        {"disputed_fields": "flag;colour"},  # not a column reports can disagree on
        {"added_at": "2025-01-01T00:00:00"},  # an instant without a time zone
        {"id": "INC-12"},  # an id of the wrong form
        {"id": ""},  # no id at all
        {"verification": "Verified"},  # vocabularies are lower case
    ],
)
def test_a_bad_or_odd_cell_gives_the_same_result_every_way(generated, cells) -> None:
    _rewrite(generated, {5: cells})
    _assert_same(generated)


@pytest.mark.parametrize(
    "tail",
    [
        "INC-9999,short,row\n",  # the wrong number of fields
        '"unterminated,quote\n',  # not valid CSV
        "\n",  # a blank line (skipped by csv, a row of empty cells to Arrow)
        "INC-7777,torn",  # a write cut short
    ],
)
def test_broken_lines_are_left_to_the_line_by_line_reader(generated, tail) -> None:
    with generated.open("a", encoding="utf-8") as handle:
        handle.write(tail)
    assert bulk_load._parse(generated) is None
    _assert_same(generated)


def test_a_quote_out_of_place_is_left_to_the_line_by_line_reader(generated) -> None:
    # Python's csv refuses '"ab"c'; Arrow would read it as 'abc'.
    text = generated.read_text(encoding="utf-8").replace(",Reuters,", ',"Reu"ters,', 1)
    text = text.replace("benchmark generator", '"bench"mark generator', 1)
    generated.write_text(text, encoding="utf-8")
    assert bulk_load._parse(generated) is None
    _assert_same(generated)


def test_duplicate_ids_and_reviews_give_the_same_result_every_way(generated) -> None:
    rows = list(csv.reader(generated.open(encoding="utf-8")))
    _rewrite(generated, {9: {"id": rows[2][0]}, 30: {"end_date": "2000-01-01"}})
    generated.with_name("incidents.reviews.csv").write_text(
        "incident_id,decision,reviewer,reviewed_at,note\n"
        "INC-0002,rejected,editor,2026-01-01T00:00:00Z,\n"
        "INC-0004,verified,editor,not a time,\n",
        encoding="utf-8",
    )
    result = _assert_same(generated)
    assert len(result.bad_lines) == 3


def test_batches_carry_ids_and_line_numbers_across(generated, monkeypatch) -> None:
    # Small batches: a duplicate of a row in an earlier batch, bad rows in later ones.
    monkeypatch.setattr(bulk_load, "BATCH_BYTES", 8192)
    rows = list(csv.reader(generated.open(encoding="utf-8")))
    _rewrite(generated, {100: {"id": rows[3][0]}, 70: {"flag": "XX"}, 110: {"date": "x"}})
    result = _assert_same(generated)
    assert [p.line for p in result.problems] == [71, 101, 111]


def test_ids_of_other_lengths_across_batches_are_told_apart(generated, monkeypatch) -> None:
    # The ids met so far are held as fixed-width bytes: a longer id must neither be cut to
    # match an earlier one (INC-00020 is not INC-0002), nor keep a later repeat from matching.
    monkeypatch.setattr(bulk_load, "BATCH_BYTES", 8192)
    _rewrite(generated, {100: {"id": "INC-00020"}, 110: {"id": "INC-0002"}})
    result = _assert_same(generated)
    assert [(p.line, p.reason) for p in result.problems] == [
        (111, "INC-0002 is already used on line 3")
    ]


@pytest.mark.parametrize("tail", ["", "INC-9999,torn"])
def test_batches_are_whole_lines_read_a_slice_at_a_time(generated, tail) -> None:
    # Slices smaller than some lines: a long line is carried into the next slice, never cut.
    with generated.open("a", encoding="utf-8") as handle:
        handle.write(tail)
    data = generated.read_bytes().split(b"\n", 1)[1]
    longest = max(len(line) for line in data.split(b"\n")) + 1
    blocks = list(bulk_load._line_blocks(generated, 1000))
    assert b"".join(blocks) == data
    assert all(block.endswith(b"\n") for block in blocks[:-1])
    assert blocks[-1].endswith(b"\n") == (not tail)
    assert max(len(block) for block in blocks) < 1000 + longest


def test_a_header_only_file_loads_as_no_incidents_every_way(generated) -> None:
    generated.write_text(generated.read_text(encoding="utf-8").splitlines()[0] + "\n")
    assert len(_assert_same(generated).incidents) == 0


def test_an_append_makes_the_cached_copy_stale(generated) -> None:
    store.load_incidents(generated)
    rows = generated.read_text(encoding="utf-8").splitlines(keepends=True)
    with generated.open("a", encoding="utf-8") as handle:
        handle.write(rows[1].replace("INC-0001", f"INC-{ROWS + 1:04d}", 1))
    assert len(store.load_incidents(generated).incidents) == ROWS + 1


def test_an_edit_that_keeps_size_and_time_still_makes_the_copy_stale(generated) -> None:
    store.load_incidents(generated)
    stat = generated.stat()
    text = generated.read_text(encoding="utf-8")
    generated.write_text(text.replace("INC-0001,", "INC-9999,", 1), encoding="utf-8")
    os.utime(generated, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    ids = store.load_incidents(generated).incidents["id"]
    assert "INC-9999" in set(ids) and "INC-0001" not in set(ids)


def test_the_bulk_path_can_be_switched_off(generated, monkeypatch) -> None:
    monkeypatch.setenv(bulk_load.BULK_ENV, "off")
    store.load_incidents(generated)
    assert not bulk_load.cache_path(generated).exists()


def test_the_csv_store_reads_the_whole_file_in_bulk_and_the_same(generated, monkeypatch) -> None:
    from dashboard.stores.csv_store import CsvStore

    rows = list(csv.reader(generated.open(encoding="utf-8")))
    _rewrite(generated, {9: {"id": rows[2][0]}, 30: {"flag": "XX"}})
    monkeypatch.setenv(bulk_load.BULK_ENV, "off")
    by_line = CsvStore(generated).load()
    monkeypatch.setenv(bulk_load.BULK_ENV, "on")
    for _ in range(2):  # parsed in bulk, then read back from the parsed copy
        snapshot = CsvStore(generated).load()
        pd.testing.assert_frame_equal(
            snapshot.result.incidents, by_line.result.incidents, check_exact=True
        )
        assert snapshot.result.problems == by_line.result.problems
        assert snapshot.cursor == by_line.cursor
    # An append after the bulk read is read line by line from its cursor on.
    row = list(rows[1])
    row[0] = "INC-0999"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    with generated.open("a", encoding="utf-8") as handle:
        handle.write(buffer.getvalue())
    changes = CsvStore(generated).changes_since(snapshot.cursor)
    assert list(changes.incidents["id"]) == ["INC-0999"]
