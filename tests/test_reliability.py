"""Issue 10: ids that never repeat, fields the loader can always read back, imports that keep
the file's link, mode and owner and skip duplicates, and command-line failures in one line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
from pathlib import Path

import pytest
from filelock import FileLock, Timeout
from incident_samples import draft_fields

from dashboard import cli, store
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
    # No former names: the sample's own would make every vessel here "the same vessel".
    draft = validate_draft(draft_fields(**{"former_names": "", **changes}))
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


@pytest.mark.parametrize("char", ["ñ", '"', "\\"])  # quotes and backslashes double in JSON
def test_the_largest_record_the_schema_allows_is_written_and_read_back(tmp_path, char):
    path = tmp_path / "incidents.csv"
    long = char * MAX_SHORT_TEXT_CHARS
    sources = [
        {
            "outlet": long,
            "title": long,
            "url": "https://example.org/?q=" + char * (MAX_URL_CHARS - 23),
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


# --- import: links, modes, owners, duplicates, BOM, headers -----------------------------------


def _run(*args: object) -> tuple[int, str, str]:
    """The exit status, standard output and standard error of ``python -m dashboard ARGS``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main([str(arg) for arg in args])
    return status, out.getvalue(), err.getvalue()


def _export(data: Path, target: Path) -> Path:
    """``data`` exported by the CLI as CSV (with the export's byte-order mark and CRLF)."""
    assert _run("--data", data, "export", "--format", "csv", "--output", target)[0] == 0
    return target


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """An incident file of three different vessels."""
    path = tmp_path / "data" / "incidents.csv"
    for name, imo in (("Alpha", "9304667"), ("Bravo", ""), ("Charlie", "")):
        _append(path, vessel_name=name, imo=imo)
    return path


def test_import_through_a_symlink_keeps_the_link_and_the_targets_mode_and_owner(
    small_file, tmp_path
):
    source = _export(small_file, tmp_path / "export.csv")
    target = tmp_path / "elsewhere" / "real.csv"
    target.parent.mkdir()
    target.write_bytes(small_file.read_bytes().splitlines(keepends=True)[0])  # header only
    target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, 1234, 5678)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    status, out, err = _run("--data", link, "import", source)
    assert status == 0, err
    assert link.is_symlink() and link.resolve() == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    if os.geteuid() == 0:
        assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)
    assert len(store.load_incidents(link).incidents) == 3
    assert out.startswith("imported 3 incidents")
    assert not list(target.parent.glob(".*import*"))


def test_importing_the_same_export_twice_skips_every_row_and_lists_them(small_file, tmp_path):
    source = _export(small_file, tmp_path / "export.csv")
    before = small_file.read_bytes()
    status, out, err = _run("--data", small_file, "import", source)
    assert status == 0
    assert out == ""
    assert err.splitlines() == [
        "skipped line 2: INC-0001 is already in the file",
        "skipped line 3: INC-0002 is already in the file",
        "skipped line 4: INC-0003 is already in the file",
        f"{source}: skipped 3 possible duplicate(s); use --force to import them too.",
        "nothing imported: every row is already in the file (use --force to add them).",
    ]
    assert small_file.read_bytes() == before
    status, out, _ = _run("--data", small_file, "import", "--force", source)
    assert (status, out) == (0, "imported 3 incidents: INC-0004 to INC-0006\n")


def test_import_skips_the_same_vessel_within_three_days_but_keeps_the_others(small_file, tmp_path):
    rows = tmp_path / "rows.csv"
    fresh = tmp_path / "fresh.csv"
    _append(fresh, vessel_name="Alpha", imo="", date="2025-12-12")  # two days after Alpha's
    _append(fresh, vessel_name="Delta", imo="")
    _append(fresh, vessel_name="Bravo", imo="", date="2025-11-01")  # a month before
    # Ids of another file: not the same incidents, so only the vessel and date count.
    text = fresh.read_text(encoding="utf-8").replace("INC-000", "INC-100")
    rows.write_text(text, encoding="utf-8")
    status, out, err = _run("--data", small_file, "import", rows)
    assert status == 0
    assert err.splitlines()[0] == (
        "skipped line 2: the same vessel is already recorded within 3 days: INC-0001"
    )
    assert out == "imported 2 incidents: INC-0004 to INC-0005\n"
    names = list(store.load_incidents(small_file).incidents["vessel_name"])
    assert names == ["Alpha", "Bravo", "Charlie", "Delta", "Bravo"]


def test_an_import_file_with_a_repeated_header_is_refused_by_name(small_file, tmp_path):
    before = small_file.read_bytes()
    lines = small_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    # A second "summary" column: before, the last one silently won.
    rows = [",".join([*header, "summary"])] + [f"{line},SECOND" for line in lines[1:]]
    source = tmp_path / "repeated.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status, _out, err = _run("--data", small_file, "import", "--force", source)
    assert status == 1
    assert err == f"error: {source}: the header names summary more than once; keep one of each.\n"
    assert small_file.read_bytes() == before


def test_an_import_that_cannot_replace_the_file_leaves_no_temporary_file(
    small_file, tmp_path, monkeypatch
):
    source = tmp_path / "other.csv"
    _append(source, vessel_name="Echo", imo="")
    before = small_file.read_bytes()

    def refuse(self: Path, target: Path) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(Path, "replace", refuse)
    status, out, err = _run("--data", small_file, "import", "--force", source)
    assert (status, out) == (1, "")
    assert err == f"error: cannot use {small_file}: Permission denied. Nothing was changed.\n"
    assert small_file.read_bytes() == before
    assert sorted(p.name for p in small_file.parent.iterdir()) == [
        "incidents.csv",
        "incidents.csv.lock",
    ]


def test_an_add_to_a_file_that_cannot_be_written_is_one_line(small_file, monkeypatch, tmp_path):
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(small_file))

    monkeypatch.setattr(store, "_append_locked", refuse)
    incident = tmp_path / "incident.json"
    incident.write_text(json.dumps(draft_fields(vessel_name="Foxtrot")), encoding="utf-8")
    status, out, err = _run("--data", small_file, "add", "--file", incident)
    assert (status, out) == (1, "")
    assert err == f"error: cannot use {small_file}: Permission denied. Nothing was changed.\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests arrays or objects too deeply"),  # RecursionError
        ('{"killed": ' + "9" * 5000 + "}", "a number too long"),  # int() refuses 4,301 digits
        ('{"latitude": 1' + "0" * 5000 + "}", "a number too long"),
    ],
)
def test_hostile_json_given_to_add_is_one_plain_line(small_file, tmp_path, text, words):
    before = small_file.read_bytes()
    incident = tmp_path / "incident.json"
    incident.write_text(text, encoding="utf-8")
    status, out, err = _run("--data", small_file, "add", "--file", incident)
    assert (status, out) == (1, "")
    assert words in err.splitlines()[0]
    assert "Traceback" not in err
    assert small_file.read_bytes() == before


# --- nothing of the server's folders in the browser -------------------------------------------


@pytest.mark.parametrize("content", [None, "", "id,id\n"])  # missing, empty, a repeated column
def test_a_data_file_error_in_the_browser_names_the_file_not_its_folders(
    tmp_path, monkeypatch, content
):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "secret-folder" / "incidents.csv"
    path.parent.mkdir()
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(store.DATA_PATH_ENV, str(path))
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py")).run()
    (error,) = app.error
    assert "incidents\\.csv" in error.value
    assert "secret" not in error.value


def test_writers_through_a_link_and_to_the_file_itself_share_one_lock(small_file, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(small_file)
    # An import through the link replaces the file: an append naming the file directly must
    # wait for it, or its row would be lost in the swap.
    with store._locked(link):
        lock = FileLock(f"{small_file}.lock", timeout=0)
        with pytest.raises(Timeout):
            lock.acquire()


def test_an_export_with_counts_imports_back_with_the_same_counts(tmp_path):
    # One row with counts and one without make the frame's count columns float64: the export
    # wrote "3.0", which the strict schema refuses as a count.
    path = tmp_path / "incidents.csv"
    _append(path, vessel_name="Counted", event_type="strike", killed=3, vessels_struck=1)
    _append(path, vessel_name="Uncounted", imo="", date="2025-10-01")
    source = _export(path, tmp_path / "export.csv")
    target = tmp_path / "fresh.csv"
    status, _out, err = _run("--data", target, "import", source)
    assert status == 0, err
    frame = store.load_incidents(target).incidents
    assert frame["killed"].tolist()[0] == 3
    assert frame["vessels_struck"].tolist()[0] == 1
    assert "3.0" not in source.read_text(encoding="utf-8")


def test_a_stale_temporary_file_of_an_earlier_import_neither_blocks_nor_survives(
    small_file, tmp_path
):
    stale = small_file.with_name(f".{small_file.name}.import")
    stale.write_text("half a file", encoding="utf-8")
    stale.chmod(0o400)
    source = tmp_path / "other.csv"
    _append(source, vessel_name="Golf", imo="", date="2025-09-01")
    status, out, err = _run("--data", small_file, "import", "--force", source)
    assert (status, out) == (0, "imported 1 incident: INC-0004 to INC-0004\n"), err
    assert not stale.exists()
