"""A streamed export is byte for byte the export of the whole filtered frame, in few megabytes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import write_incidents
from dashboard import export_stream, store
from dashboard.export_stream import export_incidents
from dashboard.exports.csv_file import to_csv_bytes
from dashboard.exports.geojson import to_geojson_bytes
from dashboard.filters import IncidentFilter, filter_incidents

REPO = Path(__file__).resolve().parents[1]
WHOLE = {"csv": to_csv_bytes, "geojson": to_geojson_bytes}


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Generated incidents with a bad row and a duplicate, read in batches of a few rows."""
    path = write_incidents(tmp_path / "incidents.csv", 150, seed=9)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[40][rows[0].index("flag")] = "XX"
    rows[90][0] = rows[10][0]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    monkeypatch.setattr(export_stream, "BATCH_BYTES", 8192)
    return path


def _streamed(path: Path, export_format: str, incident_filter: IncidentFilter) -> tuple:
    out = io.BytesIO()
    count, problems = export_incidents(path, export_format, incident_filter, out)
    return out.getvalue(), count, problems


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
@pytest.mark.parametrize(
    "incident_filter",
    [
        IncidentFilter(),  # the default view
        IncidentFilter(flags=("PA",)),  # a few rows from each batch
        IncidentFilter(text="no such vessel anywhere"),  # nothing at all
    ],
)
def test_the_stream_is_the_whole_export(generated, export_format, incident_filter) -> None:
    result = store.load_incidents(generated, bulk=False)
    expected = filter_incidents(result.incidents, incident_filter)
    streamed, count, problems = _streamed(generated, export_format, incident_filter)
    assert streamed == WHOLE[export_format](expected)
    assert count == len(expected)
    assert problems == result.problems


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
def test_a_file_the_batches_cannot_read_is_exported_whole(generated, export_format) -> None:
    with generated.open("a", encoding="utf-8") as handle:
        handle.write("INC-9999,short,row\n")  # the wrong width: Arrow stops part way
    result = store.load_incidents(generated, bulk=False)
    expected = filter_incidents(result.incidents, IncidentFilter())
    streamed, _count, problems = _streamed(generated, export_format, IncidentFilter())
    assert streamed == WHOLE[export_format](expected)
    assert problems == result.problems


def test_the_cli_export_leaves_an_earlier_export_alone_when_it_fails(tmp_path) -> None:
    output = tmp_path / "out.csv"
    output.write_text("earlier\n", encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "export",
            "--format",
            "csv",
            "--output",
            str(output),
            "--data",
            str(tmp_path / "missing.csv"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert output.read_text(encoding="utf-8") == "earlier\n"
    assert list(tmp_path.iterdir()) == [output]
