"""The benchmark: the dashboard's costs at each data size, beside the naive map, as a table.

``python -m benchmarks.run [--sizes 1000 10000 100000] [--browser | --no-browser]
[--postgres | --no-postgres] [--json PATH]``

For each size (1,000 to 1,000,000, any of them) it generates (once, then reuses) a seeded
synthetic file and measures: cold load (read and validate), warm load (the app's cached path),
filter (flag and date range), the app's own map path (build, then render into the map
component's arguments, as the map page does) with its bytes, beside two other maps of the same
rows built to HTML in the same run: the **peer**, what a Folium user would write (Folium's
``FastMarkerCluster``, positions only, no popups), and the **floor**, the naive map (one
``folium.Marker`` with a ``Popup`` per row in a ``MarkerCluster``, no caching). Then a script
run under AppTest after a filter change, a warm rerun (with proof that it neither parsed nor
built), the next run after an append, the median append, the app process's peak memory, and in
headless Chromium against a real ``streamlit run``: the first visit on a cold server, later
visits (navigation → markers), the bytes a fresh visit downloads (HTTP plus WebSocket) and the
server's own peak memory. It prints a Markdown table and writes the same figures, with the
machine they were taken on, as JSON. Beside them, each store
engine (the CSV file, and PostgreSQL on a throwaway server when its binaries are
installed): first load, append, and the next run of a replica after another replica appended.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import folium
import pandas as pd
from folium.plugins import FastMarkerCluster, MarkerCluster

from benchmarks import generate, postgres_server
from benchmarks.browser import BrowserUnavailableError, MarkersNotDrawnError, time_to_markers
from dashboard import app_state, bulk_load, store
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.map_component import render_map_payload
from dashboard.map_view import build_incident_map, columns_drawn, popup_html
from dashboard.schema import AddedVia, IncidentDraft, validate_draft
from dashboard.stores.csv_store import CsvStore

BENCHMARKS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCHMARKS_DIR / "results"
DATA_DIR = RESULTS_DIR / "data"
DEFAULT_JSON = RESULTS_DIR / "latest.json"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
BROWSER_SIZES_LIMIT = 1_000_000
APPENDS = 50
# Appends by "another replica", each followed by a timed next run of this one.
REPLICA_ROUNDS = 10
# Above this the naive map is built for a sample of this many rows and scaled up (it grows
# linearly); at 100,000 a full build would take minutes and gigabytes.
NAIVE_SAMPLE_ROWS = 10_000
NAIVE_LIMIT_S = 120.0
FILTER_FLAGS = ("PA", "VE")
FILTER_DAYS = 365
PACKAGES = ("streamlit", "streamlit-folium", "folium", "pandas", "pydantic")

# (key in the JSON, column heading, how the value reads); the table and the JSON share it.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("incidents", "Incidents", "count"),
    ("cold_load_s", "Cold load (parse and validate)", "seconds"),
    ("cold_load_cpu_s", "Cold load: CPU time", "seconds"),
    ("cached_load_s", "Restart: load from the parsed copy", "seconds"),
    ("cached_load_cpu_s", "Restart: CPU time", "seconds"),
    ("warm_load_s", "Warm load", "seconds"),
    ("filter_s", "Filter (flag + dates)", "seconds"),
    ("map_build_s", "Map: app's path (build + render)", "seconds"),
    ("map_bytes", "Map bytes", "bytes"),
    ("map_bytes_per_incident", "Bytes / incident", "count"),
    ("peer_build_s", "Peer: FastMarkerCluster → HTML", "seconds"),
    ("peer_bytes", "Peer bytes", "bytes"),
    ("peer_speedup", "Build: peer / ours", "ratio"),
    ("peer_bytes_ratio", "Bytes: peer / ours", "ratio"),
    ("naive_build_s", "Floor: naive → HTML", "seconds"),
    ("naive_bytes", "Naive bytes", "bytes"),
    ("build_speedup", "Build: naive / ours", "ratio"),
    ("bytes_ratio", "Bytes: naive / ours", "ratio"),
    ("filter_change_run_s", "Script run after filter change", "seconds"),
    ("warm_rerun_s", "Warm rerun", "seconds"),
    ("warm_rerun_work", "Parses / map builds in warm rerun", "text"),
    ("other_pages_s", "Timeline / table / vessels run", "text"),
    ("append_median_s", "Append (median)", "seconds"),
    ("csv_next_run_s", "CSV store: next run after another replica's append", "seconds"),
    ("pg_first_load_s", "PostgreSQL: first load", "seconds"),
    ("pg_append_s", "PostgreSQL: append (median)", "seconds"),
    ("pg_next_run_s", "PostgreSQL: next run after another replica's append", "seconds"),
    ("after_append_run_s", "Next run after an append", "seconds"),
    ("peak_rss_bytes", "Peak memory (AppTest process)", "bytes"),
    ("validate_s", "CLI validate (no parsed copy)", "seconds"),
    ("export_csv_s", "CLI export CSV", "seconds"),
    ("export_csv_peak_bytes", "CLI export CSV: peak memory", "bytes"),
    ("export_geojson_peak_bytes", "CLI export GeoJSON: peak memory", "bytes"),
    ("browser_first_s", "Browser: first visit on a cold server → markers", "seconds"),
    ("browser_warm_s", "Browser: navigation → markers (warm server)", "seconds"),
    ("browser_after_load_s", "Browser: load event → markers", "seconds"),
    ("visit_bytes", "Bytes a fresh visit downloads (HTTP + WebSocket)", "bytes"),
    ("server_peak_rss_bytes", "Peak memory (streamlit server)", "bytes"),
)
# Figures only a browser run gives (empty with --no-browser).
BROWSER_KEYS = (
    "browser_first_s",
    "browser_warm_s",
    "browser_after_load_s",
    "visit_bytes",
    "server_peak_rss_bytes",
)
# Issue 12's targets: (key, incidents) → the most the figure may be. The transposed table
# marks each figure that has one **met** or **MISSED**.
TARGETS: dict[tuple[str, int], float] = {
    ("cold_load_s", 100_000): 1.5,
    ("cached_load_s", 100_000): 0.3,
    ("browser_warm_s", 10_000): 1.5,
    ("browser_warm_s", 100_000): 2.0,
    ("validate_s", 1_000_000): 15.0,
    ("filter_change_run_s", 1_000_000): 1.0,
    ("export_csv_peak_bytes", 1_000_000): 500e6,
    ("export_geojson_peak_bytes", 1_000_000): 500e6,
    ("server_peak_rss_bytes", 1_000_000): 1.5e9,
}
# Figures of the naive map that are extrapolated from a sample above NAIVE_SAMPLE_ROWS.
NAIVE_KEYS = frozenset({"naive_build_s", "naive_bytes", "build_speedup", "bytes_ratio"})


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    memory = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory_bytes": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: metadata.version(name) for name in PACKAGES},
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def data_file(rows: int, seed: int, data_dir: Path = DATA_DIR) -> Path:
    """The generated file for ``rows`` and ``seed``, written once and reused while unchanged."""
    # The generator's own source is part of the name: a changed generator writes a new file.
    digest = hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()[:8]
    path = data_dir / f"incidents-{rows}-seed{seed}-{digest}.csv"
    if not path.exists():
        temporary = path.with_suffix(".partial")
        generate.write_incidents(temporary, rows, seed=seed)
        temporary.replace(path)
    return path


def _median_time(action: Callable[[], object], repeat: int) -> float:
    """The median seconds of ``repeat`` calls of ``action``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _median_times(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The median wall-clock and CPU seconds (this process) of ``repeat`` calls of ``action``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def naive_map_html(frame: pd.DataFrame) -> str:
    """The naive map as HTML: one folium.Marker with a Popup per row in a MarkerCluster."""
    naive = folium.Map(location=[17.5, -74.0], zoom_start=5)
    cluster = MarkerCluster().add_to(naive)
    for incident in frame.to_dict("records"):
        folium.Marker(
            [incident["latitude"], incident["longitude"]],
            popup=folium.Popup(popup_html(incident), max_width=340),
        ).add_to(cluster)
    return naive.get_root().render()


def peer_map_html(frame: pd.DataFrame) -> str:
    """The peer's map as HTML: Folium's FastMarkerCluster of the positions, no popups."""
    # What a Folium user reaches for at this size: the rows travel as one array of positions
    # and the browser makes the markers, as ours does; like ours above 1,000 rows, no popups.
    peer = folium.Map(location=[17.5, -74.0], zoom_start=5)
    FastMarkerCluster(frame[["latitude", "longitude"]].to_numpy().tolist()).add_to(peer)
    return peer.get_root().render()


def measure_naive(frame: pd.DataFrame) -> tuple[float, int, str | None]:
    """Seconds and bytes of the naive map of ``frame``, and a note when they are scaled up."""
    if len(frame) <= NAIVE_SAMPLE_ROWS:
        start = time.perf_counter()
        html = naive_map_html(frame)
        return time.perf_counter() - start, len(html.encode("utf-8")), None
    sample = frame.head(NAIVE_SAMPLE_ROWS)
    start = time.perf_counter()
    html = naive_map_html(sample)
    seconds = time.perf_counter() - start
    scale = len(frame) / len(sample)
    note = (
        f"naive map at {len(frame):,}: estimated from {len(sample):,} rows × {scale:.1f} "
        f"(a full build would take about {seconds * scale:.0f} s, over the "
        f"{NAIVE_LIMIT_S:.0f} s limit)"
        if seconds * scale > NAIVE_LIMIT_S
        else None
    )
    if note is None:
        start = time.perf_counter()
        html = naive_map_html(frame)
        return time.perf_counter() - start, len(html.encode("utf-8")), None
    return seconds * scale, round(len(html.encode("utf-8")) * scale), note


def _sample_draft(frame: pd.DataFrame) -> IncidentDraft:
    """A valid draft to append, made from the generator's first record."""
    record = next(generate.generate_records(1, seed=len(frame)))
    return validate_draft({name: record.get(name) for name in IncidentDraft.model_fields})


def measure_append(path: Path, draft: IncidentDraft, work_dir: Path) -> float:
    """Median seconds of one locked, fsynced append to a copy of ``path``."""
    copy = work_dir / "append-copy.csv"
    shutil.copyfile(path, copy)
    times = []
    for attempt in range(APPENDS + 3):
        start = time.perf_counter()
        store.append_incident(draft, added_by="benchmark", added_via=AddedVia.CLI, path=copy)
        if attempt >= 3:  # the first ones warm the file cache and the lock
            times.append(time.perf_counter() - start)
    copy.unlink()
    return statistics.median(times)


def _replica_next_run(make_store: Callable[[], Any], draft: IncidentDraft) -> float:
    """Median seconds of a replica's refresh after another replica appended one incident."""
    writer, reader = make_store(), make_store()
    reader.refresh()  # the replica's first (full) read
    times = []
    for _ in range(REPLICA_ROUNDS):
        writer.append(draft, added_by="benchmark", added_via=AddedVia.FORM)
        start = time.perf_counter()
        reader.refresh()
        times.append(time.perf_counter() - start)
    writer.close()
    reader.close()
    return statistics.median(times)


def measure_csv_store(path: Path, draft: IncidentDraft, work_dir: Path) -> float:
    """The CSV store's next run after another replica's append, on a copy of ``path``."""
    copy = work_dir / "replica-copy.csv"
    shutil.copyfile(path, copy)
    try:
        return _replica_next_run(lambda: CsvStore(copy), draft)
    finally:
        copy.unlink()


def measure_app(path: Path, work_dir: Path) -> dict[str, Any]:
    """AppTest runs and peak memory of a fresh app process on a copy of ``path``."""
    copy = work_dir / "probe-copy.csv"  # the probe appends to the file it runs on
    shutil.copyfile(path, copy)
    try:
        return _run_probe(copy)
    finally:
        copy.unlink()


def measure_postgres(
    path: Path, draft: IncidentDraft, server: postgres_server.PostgresServer, rows: int
) -> dict[str, float]:
    """PostgreSQL seeded with ``path``: first load, append, a replica's next run after one."""
    from dashboard.stores.postgres import PostgresStore

    name = f"bench_{rows}_{os.getpid()}"
    server.psql(f"CREATE DATABASE {name} OWNER {postgres_server.USER}")
    url = server.url.rsplit("/", 1)[0] + f"/{name}"
    seeding = PostgresStore(url)
    seeding.create_schema()
    seeding.restore(store.read_stored_incidents(path))
    seeding.close()
    first = PostgresStore(url)
    start = time.perf_counter()
    first.load()
    figures = {"pg_first_load_s": time.perf_counter() - start}
    times = []
    for _ in range(APPENDS):
        start = time.perf_counter()
        first.append(draft, added_by="benchmark", added_via=AddedVia.CLI)
        times.append(time.perf_counter() - start)
    first.close()
    figures["pg_append_s"] = statistics.median(times)
    figures["pg_next_run_s"] = _replica_next_run(lambda: PostgresStore(url), draft)
    server.psql(f"DROP DATABASE {name} WITH (FORCE)")
    return figures


def _run_probe(path: Path) -> dict[str, Any]:
    """The JSON that benchmarks.probe prints for ``path``, run in a process of its own."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.probe", str(path)],
        cwd=BENCHMARKS_DIR.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the app probe failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _run_cli(arguments: Sequence[str], work_dir: Path) -> tuple[float, int]:
    """Seconds and peak resident bytes of one ``python -m dashboard`` command."""
    peak_file = work_dir / "cli-peak.txt"
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.peak", str(peak_file), "--", *arguments],
        cwd=BENCHMARKS_DIR.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if completed.returncode not in (0, 1):  # 1: validate found problems
        raise RuntimeError(
            f"python -m dashboard {' '.join(arguments)} failed:\n{completed.stderr[-3000:]}"
        )
    return seconds, int(peak_file.read_text(encoding="utf-8"))


def measure_cli(path: Path, work_dir: Path) -> dict[str, Any]:
    """The command line at this size: validate with no parsed copy, and both exports."""
    bulk_load.cache_path(path).unlink(missing_ok=True)
    validate_s, _peak = _run_cli(["validate", "--data", str(path)], work_dir)
    figures: dict[str, Any] = {"validate_s": validate_s}
    for export_format in ("csv", "geojson"):
        output = work_dir / f"export.{export_format}"
        seconds, peak = _run_cli(
            ["export", "--format", export_format, "--data", str(path), "--output", str(output)],
            work_dir,
        )
        output.unlink(missing_ok=True)
        figures[f"export_{export_format}_s"] = seconds
        figures[f"export_{export_format}_peak_bytes"] = peak
    return figures


def measure_size(
    rows: int,
    *,
    seed: int,
    browser: bool,
    work_dir: Path,
    data_dir: Path,
    notes: list[str],
    server: postgres_server.PostgresServer | None = None,
) -> dict[str, Any]:
    """Every figure of the table for one data size."""
    path = data_file(rows, seed, data_dir)
    repeat = 3 if rows <= 10_000 else 1
    result: dict[str, Any] = {"incidents": rows, "data_file": str(path)}

    def cold_load() -> None:
        bulk_load.cache_path(path).unlink(missing_ok=True)  # no parsed copy: a first start
        store.load_incidents(path)

    # CPU time beside wall time: on a machine shared with other jobs the wall clock also
    # counts the time this process waited for a CPU.
    result["cold_load_s"], result["cold_load_cpu_s"] = _median_times(cold_load, repeat)
    result["cached_load_s"], result["cached_load_cpu_s"] = _median_times(
        lambda: store.load_incidents(path), max(repeat, 3)
    )
    os.environ[store.DATA_PATH_ENV] = str(path)
    loaded = app_state.load_current(app_state.current_version())  # fills the app's cache
    result["warm_load_s"] = _median_time(
        lambda: app_state.load_current(app_state.current_version()), 20
    )
    frame = loaded.incidents

    last_day = frame["date"].max().date()
    flag_and_dates = IncidentFilter(
        flags=FILTER_FLAGS, since=last_day - dt.timedelta(days=FILTER_DAYS), until=last_day
    )
    result["filter_s"] = _median_time(lambda: filter_incidents(frame, flag_and_dates), 5)

    # The map the app opens with: every incident the default filter shows.
    shown = filter_incidents(frame, IncidentFilter())
    result["map_incidents"] = len(shown)
    payload_size = 0

    def build_ours() -> None:
        # The map page's own path (views/map.py _cached_map): only the columns it draws, built,
        # then rendered into the component's arguments; what the browser is sent is that payload.
        nonlocal payload_size
        columns = columns_drawn(len(shown))
        drawn = shown if columns is None else shown[list(columns)]
        incident_map = build_incident_map(drawn, online_tiles=False)
        payload_size = render_map_payload(incident_map, key="benchmark").size

    result["map_build_s"] = _median_time(build_ours, repeat)
    result["map_bytes"] = payload_size
    result["map_bytes_per_incident"] = round(result["map_bytes"] / max(1, len(shown)), 1)

    peer_html = ""

    def build_peer() -> None:
        nonlocal peer_html
        peer_html = peer_map_html(shown)

    result["peer_build_s"] = _median_time(build_peer, repeat)
    result["peer_bytes"] = len(peer_html.encode("utf-8"))
    del peer_html
    result["peer_speedup"] = round(result["peer_build_s"] / result["map_build_s"], 2)
    result["peer_bytes_ratio"] = round(result["peer_bytes"] / result["map_bytes"], 2)

    naive_s, naive_bytes, naive_note = measure_naive(shown)
    result["naive_build_s"], result["naive_bytes"] = naive_s, naive_bytes
    result["naive_estimated"] = naive_note is not None
    if naive_note:
        notes.append(naive_note)
    result["build_speedup"] = round(naive_s / result["map_build_s"], 1)
    result["bytes_ratio"] = round(naive_bytes / result["map_bytes"], 1)

    app = measure_app(path, work_dir)
    result["app"] = app
    result["filter_change_run_s"] = app["filter_change_s"]
    result["warm_rerun_s"] = app["warm_rerun_s"]
    calls = app["warm_rerun_calls"]
    result["warm_rerun_work"] = (
        f"{calls.get('load_incidents', 0)} / {calls.get('build_incident_map', 0)}"
    )
    result["other_pages_s"] = " / ".join(
        _format(app["page_runs_s"][page], "seconds") for page in ("timeline", "table", "vessels")
    )
    result["peak_rss_bytes"] = app["peak_rss_bytes"]
    result["after_append_run_s"] = app["after_append_s"]

    result["append_median_s"] = measure_append(path, _sample_draft(frame), work_dir)
    result["csv_next_run_s"] = measure_csv_store(path, _sample_draft(frame), work_dir)
    if server is not None:
        result.update(measure_postgres(path, _sample_draft(frame), server, rows))
    frame = loaded = shown = None  # type: ignore[assignment]  # freed before the CLI runs
    app_state._store.clear()  # the runner's own copy of the data is not needed below
    result.update(measure_cli(path, work_dir))
    bulk_load.cache_path(path).unlink(missing_ok=True)  # the browser's first visit starts cold

    for key in BROWSER_KEYS:
        result[key] = None
    if browser and rows <= BROWSER_SIZES_LIMIT:
        try:
            timing = _time_to_markers(path, work_dir / f"streamlit-{rows}.log")
        except BrowserUnavailableError as error:
            notes.append(f"browser skipped: {error}")
        except MarkersNotDrawnError as error:
            notes.append(f"browser at {rows:,}: {error} (twice)")
        else:
            result["browser_first_s"] = timing.first_load_s
            result["browser_warm_s"] = timing.warm_load_s
            result["browser_after_load_s"] = timing.warm_after_load_event_s
            result["visit_bytes"] = timing.visit_bytes
            result["server_peak_rss_bytes"] = timing.server_peak_rss_bytes
    return result


def _time_to_markers(path: Path, log_file: Path) -> Any:
    """The browser timings, tried a second time if a run drew nothing (a stalled server)."""
    try:
        return time_to_markers(path, log_file)
    except MarkersNotDrawnError:
        return time_to_markers(path, log_file)


def _format(value: Any, kind: str) -> str:
    """A figure as the table shows it."""
    if value is None:
        return "–"
    if kind == "seconds":
        if value < 0.01:
            return f"{value * 1000:.2f} ms"
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if kind == "bytes":
        # Gigabytes to two decimals: a server peak of 1.487 GB against a 1.5 GB target
        # otherwise reads as 1.5 GB.
        for unit, size, decimals in (("GB", 1e9, 2), ("MB", 1e6, 1), ("KB", 1e3, 1)):
            if value >= size:
                return f"{value / size:.{decimals}f} {unit}"
        return f"{value} B"
    if kind == "ratio":
        return f"{value:g}×"
    if kind == "count":
        return f"{value:,}"
    return str(value)


def _cell(result: dict[str, Any], key: str, kind: str) -> str:
    """One figure as the tables show it, an estimated naive figure marked ≈."""
    cell = _format(result.get(key), kind)
    return f"≈{cell}" if result.get("naive_estimated") and key in NAIVE_KEYS else cell


def markdown_table(results: Sequence[dict[str, Any]]) -> str:
    """The results as a Markdown table, one row per size, estimated naive figures marked."""
    lines = [
        "| " + " | ".join(heading for _key, heading, _kind in COLUMNS) + " |",
        "|" + "|".join("---:" for _ in COLUMNS) + "|",
    ]
    for result in results:
        cells = [_cell(result, key, kind) for key, _heading, kind in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def transposed_table(results: Sequence[dict[str, Any]]) -> str:
    """The results with one row per measure and one column per size (as the README shows
    them), each figure with a target (TARGETS) marked met or MISSED."""
    lines = [
        "| measure | " + " | ".join(_format(r["incidents"], "count") for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for key, heading, kind in COLUMNS[1:]:
        cells = []
        for result in results:
            value = result.get(key)
            cell = _cell(result, key, kind)
            target = TARGETS.get((key, result["incidents"]))
            if target is not None and value is not None:
                verdict = "met" if value <= target else "MISSED"
                cell += f" **{verdict}** (≤ {_format(target, kind)})"
            cells.append(cell)
        lines.append(f"| {heading} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine_line(machine: dict[str, Any]) -> str:
    """One line naming the machine, for under the table."""
    memory = _format(machine["memory_bytes"], "bytes") if machine["memory_bytes"] else "?"
    return (
        f"Machine: {machine['cpu']}, {machine['cpu_count']} CPUs, {memory} RAM; "
        f"Python {machine['python']} on {machine['platform']}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the map in headless Chromium (default: on)",
    )
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the PostgreSQL store on a throwaway server (default: on when installed)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="where generated files are kept and reused (default: benchmarks/results/data)",
    )
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.sizes):
        parser.error("--sizes must be positive")
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    machine = machine_info()
    print(machine_line(machine), flush=True)
    notes: list[str] = []
    results = []
    server = None
    if args.postgres:
        binaries = postgres_server.find_binaries()
        if binaries is None:
            notes.append("PostgreSQL skipped: no server binaries (apt-get install postgresql)")
        else:
            server = postgres_server.start_server(binaries)
    try:
        with tempfile.TemporaryDirectory(prefix="interdiction-bench-") as work:
            for rows in args.sizes:
                print(f"measuring {rows:,} incidents…", file=sys.stderr, flush=True)
                results.append(
                    measure_size(
                        rows,
                        seed=args.seed,
                        browser=args.browser,
                        work_dir=Path(work),
                        data_dir=args.data_dir,
                        notes=notes,
                        server=server,
                    )
                )
    finally:
        if server is not None:
            postgres_server.remove_server(server)
    table = markdown_table(results)
    print(table)
    print()
    print(transposed_table(results))
    for note in notes:
        print(f"- {note}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": "python -m benchmarks.run " + " ".join(argv or sys.argv[1:]),
        "machine": machine,
        "columns": {key: heading for key, heading, _kind in COLUMNS},
        "results": results,
        "notes": notes,
        "table": table,
        "transposed_table": transposed_table(results),
    }
    args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"JSON: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
