"""One app process, measured: the Streamlit script under AppTest at one data size.

``python -m benchmarks.probe PATH`` runs ``dashboard/app.py`` on the incident file PATH and prints
JSON: the first run (parse and map build), a warm rerun with the filters unchanged, a rerun after
a filter change, each other page after it, the map page's next run after one incident is appended
to the file (it reads what was appended and draws the map again), how often the parse and the map
build ran in each, and the process's peak resident memory. PATH is appended to: pass a copy.
It runs in a process of its own so that the memory figure is the app's alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import logging
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboard" / "app.py"
# The pages timed after the filter change, as AppTest names them.
OTHER_PAGES = ("views/timeline.py", "views/table.py", "views/vessels.py")
MAP_PAGE = "views/map.py"
# Days cut from the start of the date range: a filter change that keeps nearly every incident,
# so the map must be drawn again for almost all of them (the heaviest change a user can make).
DATE_CUT_DAYS = 30
SCRIPT_TIMEOUT_S = 900


def _count_calls(counts: Counter[str], module: Any, name: str, label: str | None = None) -> None:
    """Replace ``module.name`` with a wrapper that counts its calls in ``counts`` (as ``label``)."""
    original: Callable[..., Any] = getattr(module, name)

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[label or name] += 1
        return original(*args, **kwargs)

    setattr(module, name, counted)


def _timed_run(app: Any, counts: Counter[str]) -> tuple[float, dict[str, int]]:
    """Seconds one script run takes, and the counted calls it made."""
    counts.clear()
    start = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - start
    if app.exception:
        raise RuntimeError(f"the app raised: {[error.value for error in app.exception]}")
    return elapsed, dict(counts)


def probe(path: Path) -> dict[str, Any]:
    """The app's script-run times, call counts and peak memory on the incident file ``path``."""
    os.environ["INTERDICTION_TRACKER_DATA"] = str(path)
    os.environ["INTERDICTION_TRACKER_TILES"] = "off"  # no tile server is contacted
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    from dashboard import map_component, map_view, store

    counts: Counter[str] = Counter()
    # The names each caller looks up at call time: the CSV store reads the file through the
    # store module (a full parse, or only the lines appended since), while the map page
    # imports the builders afresh on every run. Every read of the file counts as a load.
    _count_calls(counts, store, "load_incidents")
    _count_calls(counts, store, "read_incidents_since", label="load_incidents")
    _count_calls(counts, map_view, "build_incident_map")
    _count_calls(counts, map_component, "render_map_payload")

    app = AppTest.from_file(str(APP), default_timeout=SCRIPT_TIMEOUT_S)
    first, first_calls = _timed_run(app, counts)
    warm, warm_calls = _timed_run(app, counts)
    (dates,) = [w for w in app.sidebar.date_input if w.label == "Date range"]
    # The range starts open (no bounds); the cut is a range of the data's own dates.
    since, until = _date_span(path)
    dates.set_value((since + dt.timedelta(days=DATE_CUT_DAYS), until))
    changed, changed_calls = _timed_run(app, counts)
    warm_after, warm_after_calls = _timed_run(app, counts)
    pages = {}
    for page in OTHER_PAGES:
        app.switch_page(page)
        pages[Path(page).stem], _ = _timed_run(app, counts)
    app.switch_page(MAP_PAGE)
    _timed_run(app, counts)
    # What every user waits for after someone adds an incident: the file has a new version,
    # so the next run reads the appended line and draws the map again.
    _append_one(path)
    after_append, after_append_calls = _timed_run(app, counts)
    return {
        "first_run_s": first,
        "first_run_calls": first_calls,
        "warm_rerun_s": min(warm, warm_after),
        "warm_rerun_calls": dict(Counter(warm_calls) + Counter(warm_after_calls)),
        "filter_change_s": changed,
        "filter_change_calls": changed_calls,
        "page_runs_s": pages,
        "after_append_s": after_append,
        "after_append_calls": after_append_calls,
        "peak_rss_bytes": peak_rss_bytes(),
    }


def _date_span(path: Path) -> tuple[dt.date, dt.date]:
    """The first and the last day of the incidents in the file (read apart from the app)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        days = [
            dt.date.fromisoformat(day)
            for row in rows
            for day in (row["date"], row["end_date"])
            if day
        ]
    return min(days), max(days)


def _append_one(path: Path) -> None:
    """Append one valid incident to ``path`` through the store, as the form does."""
    from benchmarks.generate import generate_records
    from dashboard import store
    from dashboard.schema import AddedVia, IncidentDraft, validate_draft

    record = next(generate_records(1, seed=2))
    draft = validate_draft({name: record.get(name) for name in IncidentDraft.model_fields})
    store.append_incident(draft, added_by="benchmark", added_via=AddedVia.FORM, path=path)


def peak_rss_bytes() -> int:
    """The most resident memory this process has used, in bytes."""
    # VmHWM belongs to this program's own address space; ru_maxrss would also count a large
    # parent (the benchmark runner), since Linux keeps it across fork and exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.probe PATH``; prints the figures as JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m benchmarks.probe INCIDENT_CSV", file=sys.stderr)
        return 2
    print(json.dumps(probe(Path(args[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
