"""The benchmark command works end to end at a small size: the table and the JSON, every column.

No timing is asserted: the figures depend on the machine. What is checked is that the command
runs, that its table and JSON carry every column, and that a warm rerun neither parsed the file
nor built the map (a count, not a time).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import write_incidents
from benchmarks.run import BROWSER_KEYS, COLUMNS, transposed_table
from dashboard.land import is_on_land
from dashboard.store import load_incidents

REPO = Path(__file__).resolve().parents[1]
ROWS = 200


@pytest.fixture(scope="module")
def benchmark_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """The printed output and the JSON of ``python -m benchmarks.run`` at the smallest size."""
    work = tmp_path_factory.mktemp("benchmark")
    result_file = work / "latest.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--sizes",
            str(ROWS),
            "--no-browser",
            "--json",
            str(result_file),
            "--data-dir",
            str(work / "data"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout, json.loads(result_file.read_text(encoding="utf-8"))


def test_the_table_has_every_column_and_a_row_for_the_size(benchmark_run) -> None:
    output, _document = benchmark_run
    lines = output.splitlines()
    header = next(line for line in lines if line.startswith("| Incidents"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        heading for _key, heading, _kind in COLUMNS
    ]
    (row,) = [line for line in lines if line.startswith(f"| {ROWS} |")]
    assert row.count("|") == header.count("|")


def test_the_json_holds_the_machine_and_every_column(benchmark_run) -> None:
    _output, document = benchmark_run
    assert {"cpu", "cpu_count", "python", "platform"} <= set(document["machine"])
    (result,) = document["results"]
    assert set(document["columns"]) == {key for key, _heading, _kind in COLUMNS}
    assert set(document["columns"]) <= set(result)
    # Only the browser's figures may be empty here: the run was told to leave it out.
    assert all(result[key] is not None for key in set(document["columns"]) - set(BROWSER_KEYS))
    assert result["incidents"] == ROWS


def test_the_transposed_table_has_a_row_per_measure_and_a_column_per_size(benchmark_run) -> None:
    _output, document = benchmark_run
    lines = document["transposed_table"].splitlines()
    assert lines[0] == f"| measure | {ROWS:,} |"
    assert [line.split("|")[1].strip() for line in lines[2:]] == [
        heading for _key, heading, _kind in COLUMNS[1:]
    ]


def test_the_transposed_table_marks_each_target_met_or_missed() -> None:
    table = transposed_table([{"incidents": 100_000, "cold_load_s": 1.2, "cached_load_s": 0.4}])
    rows = {line.split("|")[1].strip(): line for line in table.splitlines()[2:]}
    assert "1.20 s **met** (≤ 1.50 s)" in rows["Cold load (parse and validate)"]
    assert "400 ms **MISSED** (≤ 300 ms)" in rows["Restart: load from the parsed copy"]
    assert "**" not in rows["Warm load"]  # no target at this size


def test_a_warm_rerun_neither_parses_nor_builds_the_map(benchmark_run) -> None:
    _output, document = benchmark_run
    (result,) = document["results"]
    assert result["app"]["warm_rerun_calls"] == {}
    assert result["app"]["first_run_calls"]["load_incidents"] == 1
    assert result["app"]["filter_change_calls"] == {
        "build_incident_map": 1,
        "render_map_payload": 1,
    }


def test_the_run_after_an_append_parses_the_new_version_and_draws_it(benchmark_run) -> None:
    _output, document = benchmark_run
    (result,) = document["results"]
    calls = result["app"]["after_append_calls"]
    assert calls["load_incidents"] == 1
    assert calls["build_incident_map"] == 1


def test_the_peer_and_the_floor_are_measured_in_the_same_run(benchmark_run) -> None:
    _output, document = benchmark_run
    (result,) = document["results"]
    assert result["peer_bytes"] > 0 and result["naive_bytes"] > 0
    assert result["peer_speedup"] == round(result["peer_build_s"] / result["map_build_s"], 2)


def test_generated_incidents_are_valid_at_sea_and_the_same_for_the_same_seed(tmp_path) -> None:
    first = write_incidents(tmp_path / "a.csv", 300, seed=7)
    again = write_incidents(tmp_path / "b.csv", 300, seed=7)
    assert first.read_bytes() == again.read_bytes()
    result = load_incidents(first)
    assert result.problems == ()
    frame = result.incidents
    assert len(frame) == 300
    assert not any(
        is_on_land(lat, lon) for lat, lon in zip(frame["latitude"], frame["longitude"], strict=True)
    )
    pursuits = frame[frame["event_type"] == "pursuit"]
    assert pursuits["end_date"].notna().all() and len(pursuits) > 0
    assert frame["imo"].notna().any()
    with first.open(encoding="utf-8") as handle:
        urls = [
            source["url"] for row in csv.DictReader(handle) for source in json.loads(row["sources"])
        ]
    assert all(url.startswith("https://") for url in urls)
