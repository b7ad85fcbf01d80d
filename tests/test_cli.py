"""`python -m dashboard`: exit codes, messages, and what validate, add, import and export write."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import feedparser
import pytest
from incident_samples import REPO, draft_fields, make_incident_file

from dashboard import store
from dashboard.exports.csv_file import FORMULA_TRIGGERS, neutralise_formula
from dashboard.schema import COLUMNS, AddedVia, IncidentDraft, validate_draft, validate_incident

TIMEOUT_SECONDS = 60
PROBLEM_LINE = re.compile(r"^line (\d+): ([\w\[\].]+): .+$")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
HOSTILE_VESSELS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0")


def run_cli(
    *args: object, data: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The finished ``python -m dashboard [--data DATA] ARGS`` run from the repository root."""
    # The default data path points nowhere, so a test that forgets --data cannot touch the
    # curated file.
    env = {**os.environ, store.DATA_PATH_ENV: str(Path(os.devnull) / "unset.csv")}
    command = [sys.executable, "-m", "dashboard"]
    if data is not None:
        command += ["--data", str(data)]
    # Bytes, decoded here: text mode would turn the CSV export's CRLF line ends into LF.
    run = subprocess.run(
        [*command, *map(str, args)],
        input=stdin.encode("utf-8"),
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=TIMEOUT_SECONDS,
    )
    return subprocess.CompletedProcess(
        run.args, run.returncode, run.stdout.decode("utf-8"), run.stderr.decode("utf-8")
    )


@pytest.fixture
def incident_file(tmp_path: Path) -> Path:
    """A tmp copy of the curated incident file (or samples before it exists)."""
    return make_incident_file(tmp_path)


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


# --- validate ---------------------------------------------------------------------------------


def test_validate_a_valid_file_exits_0_with_a_one_line_summary(incident_file):
    count = len(store.load_incidents(incident_file).incidents)
    assert store.load_incidents(incident_file).problems == ()
    run = run_cli("validate", incident_file)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines() == [f"{incident_file}: {count} incidents, all valid."]


def test_validate_with_data_option_checks_that_file(incident_file):
    run = run_cli("validate", data=incident_file)
    assert run.returncode == 0
    assert str(incident_file) in run.stdout


def test_validate_a_corrupt_file_exits_1_naming_each_bad_line(incident_file):
    frame = store.load_incidents(incident_file).incidents
    text = incident_file.read_text(encoding="utf-8")
    template = next(csv.reader(io.StringIO(text.splitlines()[-1])))
    first = _line_count(text) + 1
    bad = [
        [*template[:1], "2025-02-30", *template[2:]],  # a date that does not exist
        [
            cell if column != "flag" else "XX"
            for column, cell in zip(COLUMNS, template, strict=True)
        ],
        template[:-3],  # three cells short
    ]
    with incident_file.open("a", encoding="utf-8", newline="") as handle:
        handle.write("".join(_csv_line(row) for row in bad))
        handle.write(_csv_line(template)[:40])  # a torn last line

    run = run_cli("validate", incident_file)

    assert run.returncode == 1
    problems = [PROBLEM_LINE.match(line) for line in run.stdout.splitlines()[:-1]]
    assert None not in problems, run.stdout
    assert [(int(m.group(1)), m.group(2)) for m in problems] == [
        (first, "date"),
        (first + 1, "flag"),
        (first + 2, "record"),
        (first + 3, "record"),
    ]
    summary = run.stdout.splitlines()[-1]
    assert f"{len(frame)} incidents valid" in summary and "4 line(s)" in summary


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # No file at all: say so, and how to point at one.
        (None, "No incident file"),
        # A file with nothing in it.
        ("", "is empty"),
        # Another CSV altogether.
        ("name,value\na,1\n", "header does not match"),
    ],
)
def test_validate_an_unusable_file_exits_1_with_a_message_not_a_traceback(
    tmp_path, content, message
):
    path = tmp_path / "incidents.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = run_cli("validate", path)
    assert run.returncode == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


# --- add --------------------------------------------------------------------------------------


def test_add_from_stdin_appends_and_prints_the_new_id(incident_file):
    before = incident_file.read_bytes()
    run = run_cli("add", "--by", "reporter", data=incident_file, stdin=json.dumps(draft_fields()))
    assert run.returncode == 0, run.stderr
    new_id = run.stdout.strip()
    assert incident_file.read_bytes().startswith(before)
    frame = store.load_incidents(incident_file).incidents
    row = frame[frame["id"] == new_id]
    assert list(row["added_by"]) == ["reporter"]
    assert list(row["added_via"]) == ["cli"]
    assert list(row["verification"]) == ["unverified"]


def test_add_from_a_file_works_like_stdin(incident_file, tmp_path):
    incident_json = tmp_path / "incident.json"
    incident_json.write_text(json.dumps(draft_fields(vessel_name="From a file")), encoding="utf-8")
    run = run_cli("add", "--file", incident_json, data=incident_file)
    assert run.returncode == 0, run.stderr
    frame = store.load_incidents(incident_file).incidents
    assert frame.loc[frame["id"] == run.stdout.strip(), "vessel_name"].tolist() == ["From a file"]


def test_add_to_a_missing_file_creates_it(tmp_path):
    path = tmp_path / "new.csv"
    run = run_cli("add", data=path, stdin=json.dumps(draft_fields()))
    assert (run.returncode, run.stdout) == (0, "INC-0001\n")
    assert "created" in run.stderr
    assert store.load_incidents(path).problems == ()


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        # Not JSON at all.
        ("{'vessel_name': 'single quotes'}", ["input"]),
        # JSON, but not one object.
        (json.dumps([draft_fields()]), ["input"]),
        ("", ["input"]),
        # A bad check digit.
        (json.dumps(draft_fields(imo="9304668")), ["imo"]),
        # Out of range, not wrapped.
        (json.dumps(draft_fields(latitude=95, longitude=190)), ["latitude", "longitude"]),
        # A script URL as a source.
        (
            json.dumps(draft_fields(sources=[{"outlet": "x", "url": "javascript:alert(1)"}])),
            ["sources[0].url"],
        ),
        # No source.
        (json.dumps(draft_fields(sources=[])), ["sources"]),
        # The store assigns ids; a given one is refused, not silently replaced.
        (json.dumps(draft_fields(id="INC-0001")), ["id"]),
    ],
)
def test_add_bad_input_exits_1_naming_each_field_and_writes_nothing(incident_file, given, fields):
    before = incident_file.read_bytes()
    run = run_cli("add", data=incident_file, stdin=given)
    assert run.returncode == 1
    assert run.stdout == ""
    named = [line.split(":", 1)[0] for line in run.stderr.splitlines()[:-1]]
    assert named == fields, run.stderr
    assert "nothing added" in run.stderr.splitlines()[-1]
    assert "Traceback" not in run.stderr
    assert incident_file.read_bytes() == before


def test_add_to_an_empty_file_refuses_rather_than_write_a_headerless_row(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"")
    run = run_cli("add", data=path, stdin=json.dumps(draft_fields()))
    assert run.returncode == 1
    assert "is empty" in run.stderr
    assert path.read_bytes() == b""


def test_add_warns_when_the_mmsi_belongs_to_another_flag(incident_file):
    # MID 351 is Panama's; a Guyana flag on that hull is a lead worth a look, not an error.
    run = run_cli(
        "add", data=incident_file, stdin=json.dumps(draft_fields(mmsi="351234567", flag="GY"))
    )
    assert run.returncode == 0
    assert "warning: mmsi" in run.stderr and "Guyana (GY)" in run.stderr


# --- import -----------------------------------------------------------------------------------


def _import_file(folder: Path, rows: list[dict[str, object]]) -> Path:
    path = folder / "to-import.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=IncidentDraft.model_fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "sources": json.dumps(row["sources"])})
    return path


def test_import_appends_every_row_and_prints_the_id_range(incident_file, tmp_path):
    before = incident_file.read_bytes()
    known = set(store.load_incidents(incident_file).incidents["id"])
    # No IMO: the sample's own (Skipper's, on its date) would be skipped as a duplicate.
    rows = [draft_fields(vessel_name=f"Imported {n}", imo="") for n in range(3)]
    run = run_cli("import", _import_file(tmp_path, rows), "--by", "desk", data=incident_file)
    assert run.returncode == 0, run.stderr
    frame = store.load_incidents(incident_file).incidents
    new = frame[~frame["id"].isin(known)]
    assert run.stdout == f"imported 3 incidents: {new['id'].iloc[0]} to {new['id'].iloc[-1]}\n"
    assert list(new["vessel_name"]) == ["Imported 0", "Imported 1", "Imported 2"]
    assert set(new["added_via"]) == {"import"} and set(new["added_by"]) == {"desk"}
    assert incident_file.read_bytes().startswith(before)


def test_import_with_bad_rows_reports_each_and_writes_nothing(incident_file, tmp_path):
    before = incident_file.read_bytes()
    rows = [
        draft_fields(vessel_name="Fine"),
        draft_fields(imo="9304668"),  # line 3
        draft_fields(vessel_name="Fine too"),
        draft_fields(sources=[{"outlet": "x", "url": "data:text/html,x"}]),  # line 5
    ]
    run = run_cli("import", _import_file(tmp_path, rows), data=incident_file)
    assert run.returncode == 1
    problems = run.stderr.splitlines()[:-1]
    assert [line.split(": ", 2)[:2] for line in problems] == [
        ["line 3", "imo"],
        ["line 5", "sources[0].url"],
    ]
    assert "nothing imported" in run.stderr
    assert incident_file.read_bytes() == before


def test_import_of_a_missing_file_exits_1_with_a_message(incident_file, tmp_path):
    run = run_cli("import", tmp_path / "absent.csv", data=incident_file)
    assert run.returncode == 1
    assert "No file at" in run.stderr and "Traceback" not in run.stderr


# --- export -----------------------------------------------------------------------------------


def _is_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell)


def test_exported_csv_has_no_cell_a_spreadsheet_would_run(incident_file):
    hostile = {
        "former_names": "=1+1;@SUM(A1)",
        "registry": "-2+3+cmd|' /C calc'!A0",
        "place": "@SUM(1+1)*cmd|' /C calc'!A0",
        "agency": '=IMPORTXML("http://x","//a")',
        "summary": "+1+1",
        "notes": "-1",  # a plain number is harmless and stays as it is
        "sources": [{"outlet": "=evil", "title": "+evil", "url": "https://example.org/a"}],
    }
    for vessel in HOSTILE_VESSELS:
        run = run_cli(
            "add", data=incident_file, stdin=json.dumps(draft_fields(vessel_name=vessel, **hostile))
        )
        assert run.returncode == 0, run.stderr

    run = run_cli("export", "--format", "csv", data=incident_file)

    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0] == list(COLUMNS)
    assert [cell for row in rows for cell in row if _is_formula(cell)] == []
    by_vessel = {row[COLUMNS.index("vessel_name")]: row for row in rows[1:]}
    for vessel in HOSTILE_VESSELS:
        row = dict(zip(COLUMNS, by_vessel["'" + vessel], strict=True))
        assert row["registry"] == "'" + hostile["registry"]
        assert row["notes"] == "-1"
    # Coordinates stay numbers: every exported position equals the stored one.
    frame = store.load_incidents(incident_file).incidents
    stored = set(zip(frame["id"], frame["latitude"], frame["longitude"], strict=True))
    records = csv.DictReader(io.StringIO(run.stdout))
    exported = {(r["id"], float(r["latitude"]), float(r["longitude"])) for r in records}
    assert exported == stored


def test_exported_csv_rows_validate_back_to_the_stored_incidents(incident_file):
    run = run_cli("export", "--format", "csv", data=incident_file)
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    stored = _stored_incidents(incident_file)
    safe = [row for row in rows if not any(cell.startswith("'") for cell in row.values())]
    assert safe, "every row was neutralised; nothing left to compare"
    for row in safe:
        assert validate_incident(row) == stored[row["id"]]


def _stored_incidents(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    return {
        record["id"]: validate_incident(record)
        for _, record in store.iter_csv_records(text, columns=COLUMNS, name=str(path))
        if isinstance(record, dict)
    }


def _visible(frame):
    """The rows an export shows without a status filter: rejected ones stay hidden."""
    return frame[frame["verification"] != "rejected"]


def _append(path: Path, **changes: object) -> None:
    store.append_incident(
        validate_draft(draft_fields(**changes)), added_by="tests", added_via=AddedVia.CLI, path=path
    )


def test_exported_geojson_round_trips(incident_file):
    _append(incident_file, end_date="2025-12-12", flag="")
    frame = _visible(store.load_incidents(incident_file).incidents)

    run = run_cli("export", "--format", "geojson", data=incident_file)

    assert run.returncode == 0, run.stderr
    collection = json.loads(run.stdout)
    assert set(collection) == {"type", "features"}  # RFC 7946 has no "crs" member
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [feature["id"] for feature in features] == list(frame["id"])
    stored = _stored_incidents(incident_file)
    for feature, (_, row) in zip(features, frame.iterrows(), strict=True):
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [row["longitude"], row["latitude"]],
        }
        longitude, latitude = feature["geometry"]["coordinates"]
        properties = {**feature["properties"], "latitude": latitude, "longitude": longitude}
        assert set(properties) == set(COLUMNS)
        assert validate_incident(properties) == stored[feature["id"]]
        assert isinstance(feature["properties"]["sources"], list)
        assert all("url" in source for source in feature["properties"]["sources"])


def _most_common_flag(path: Path) -> str:
    flags = _visible(store.load_incidents(path).incidents)["flag"].dropna()
    return flags.value_counts().index[0]


def _ids_exported(run: subprocess.CompletedProcess[str], export_format: str) -> list[str]:
    assert run.returncode == 0, run.stderr
    if export_format == "geojson":
        return [feature["id"] for feature in json.loads(run.stdout)["features"]]
    return [row["id"] for row in csv.DictReader(io.StringIO(run.stdout))]


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
@pytest.mark.parametrize(
    "flag_case",
    [
        # As the file writes it.
        str.upper,
        # People type codes in lower case.
        str.lower,
    ],
)
def test_export_with_flag_keeps_only_that_flag(incident_file, export_format, flag_case):
    flag = _most_common_flag(incident_file)
    frame = _visible(store.load_incidents(incident_file).incidents)
    run = run_cli(
        "export", "--format", export_format, "--flag", flag_case(flag), data=incident_file
    )
    expected = list(frame.loc[frame["flag"] == flag, "id"])
    assert 0 < len(expected) < len(frame)
    assert _ids_exported(run, export_format) == expected


@pytest.mark.parametrize(
    ("options", "keep"),
    [
        # Two flags: either one.
        (["--flag", "PA", "--flag", "GY"], lambda f: f["flag"].isin(["PA", "GY"])),
        # An event type.
        (["--type", "seizure"], lambda f: f["event_type"] == "seizure"),
        # A date range: incidents (or any day of a pursuit) inside it.
        (
            ["--since", "2025-12-15", "--until", "2026-01-10"],
            lambda f: (
                (f["end_date"].fillna(f["date"]) >= "2025-12-15") & (f["date"] <= "2026-01-10")
            ),
        ),
    ],
)
def test_export_filters_match_the_loaded_frame(incident_file, options, keep):
    # Rows on both sides of every filter, whatever the curated file holds.
    _append(incident_file, date="2025-12-01", event_type="seizure", flag="PA")
    _append(incident_file, date="2026-01-01", event_type="pursuit", flag="LR")
    _append(incident_file, date="2026-01-05", event_type="strike", flag="GY")
    frame = _visible(store.load_incidents(incident_file).incidents)
    run = run_cli("export", "--format", "csv", *options, data=incident_file)
    expected = list(frame.loc[keep(frame), "id"])
    assert 0 < len(expected) < len(frame)
    assert _ids_exported(run, "csv") == expected


def test_export_to_a_file_writes_it_and_reports_the_count(incident_file, tmp_path):
    output = tmp_path / "out.geojson"
    run = run_cli("export", "--format", "geojson", "--output", output, data=incident_file)
    count = len(_visible(store.load_incidents(incident_file).incidents))
    assert run.returncode == 0
    assert run.stdout == ""
    assert len(json.loads(output.read_text(encoding="utf-8"))["features"]) == count
    assert f"wrote {count} incident" in run.stderr


@pytest.mark.parametrize(
    ("options", "status", "message"),
    [
        # An unassigned flag code is a usage error, not an empty export.
        (["--flag", "XX"], 2, "--flag"),
        (["--type", "raid"], 2, "--type"),
        (["--since", "10/12/2025"], 2, "--since"),
        # A range that cannot match anything.
        (["--since", "2026-01-10", "--until", "2025-12-01"], 2, "after --until"),
        # The format is required.
        (["--format", "xlsx"], 2, "--format"),
    ],
)
def test_export_refuses_bad_options(incident_file, options, status, message):
    format_options = [] if "--format" in options else ["--format", "csv"]
    run = run_cli("export", *format_options, *options, data=incident_file)
    assert (run.returncode, run.stdout) == (status, "")
    assert message in run.stderr


def test_export_will_not_overwrite_the_incident_file(incident_file):
    before = incident_file.read_bytes()
    run = run_cli("export", "--format", "csv", "--output", incident_file, data=incident_file)
    assert run.returncode == 1
    assert incident_file.read_bytes() == before


def test_unknown_command_is_a_usage_error():
    run = run_cli("frobnicate")
    assert run.returncode == 2
    assert "invalid choice" in run.stderr


# --- serve ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_serve_becomes_streamlit_with_the_data_path_and_extra_arguments(incident_file, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "dashboard", "--data", str(incident_file), "serve"),
                *("--server.port", str(port), "--server.address", "127.0.0.1"),
            ],
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        url = f"http://127.0.0.1:{port}"
        while not _is_healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not become healthy:\n{log.read_text()}")
            time.sleep(0.2)
        # exec keeps the process id: the process we started is now streamlit itself.
        proc = Path("/proc") / str(process.pid)
        command = proc.joinpath("cmdline").read_bytes().split(b"\0")
        environment = proc.joinpath("environ").read_bytes().split(b"\0")
        assert command[1:4] == [b"-m", b"streamlit", b"run"]
        assert command[4].endswith(b"dashboard/app.py")
        assert command[5:9] == [
            b"--server.port",
            str(port).encode(),
            b"--server.address",
            b"127.0.0.1",
        ]
        assert f"{store.DATA_PATH_ENV}={incident_file}".encode() in environment
        # serve writes the Atom feeds first, so a feed reader finds them before any visit.
        feed_url = f"{url}/app/static/feeds/incidents.atom"
        with urllib.request.urlopen(feed_url, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/atom+xml")
            feed = feedparser.parse(response.read())
        assert not feed.bozo and len(feed.entries) > 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        # The OWASP trigger characters, each neutralised.
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Plain numbers cannot run: a negative longitude stays a number.
        ("-66.9", "-66.9"),
        ("+1", "+1"),
        ("-1e-05", "-1e-05"),
        # A sign that is not followed by just a number is not a number.
        ("-", "'-"),
        ("-1-1", "'-1-1"),
        # Text that merely contains a trigger later on is harmless.
        ("Sea = calm", "Sea = calm"),
        ("", ""),
    ],
)
def test_neutralise_formula_prefixes_only_cells_a_spreadsheet_would_run(cell, written):
    assert neutralise_formula(cell) == written


@pytest.mark.parametrize(
    ("export_format", "empty"),
    [
        # Just the header.
        ("csv", ",".join(COLUMNS) + "\r\n"),
        # A valid, empty collection.
        ("geojson", '{"type": "FeatureCollection", "features": []}\n'),
    ],
)
def test_export_matching_nothing_is_still_a_valid_file(incident_file, export_format, empty):
    # Antarctica (AQ) flags no ship in any report.
    run = run_cli("export", "--format", export_format, "--flag", "AQ", data=incident_file)
    assert (run.returncode, run.stdout) == (0, empty)
