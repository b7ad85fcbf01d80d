"""The Streamlit script end to end with AppTest: loading, the shared filters, the URL, pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.schema import COLUMNS
from dashboard.store import load_incidents

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dashboard" / "app.py"
CURATED = REPO / "data" / "incidents.csv"
PAGE_FILES = [
    "views/map.py",
    "views/timeline.py",
    "views/table.py",
    "views/vessels.py",
    "views/add.py",
    "views/review.py",
    "views/about.py",
]


@pytest.fixture
def data_file(app_data: Path) -> Path:
    """The copy of the curated data that the app under test reads."""
    return app_data


@pytest.fixture
def make_app(data_file: Path) -> Callable[..., AppTest]:
    """An AppTest of the real script, optionally opened with query parameters."""

    def make(query: dict[str, list[str]] | None = None) -> AppTest:
        app = AppTest.from_file(str(APP), default_timeout=60)
        for name, values in (query or {}).items():
            app.query_params[name] = values
        return app

    return make


def expected(data_file: Path, incident_filter: IncidentFilter) -> list[str]:
    """The ids a filter should leave, computed from the file with the plain filter module."""
    frame = load_incidents(data_file).incidents
    return list(filter_incidents(frame, incident_filter)["id"])


def table_ids(app: AppTest) -> list[str]:
    return list(app.dataframe[0].value["ID"])


def widget(app: AppTest, kind: str, label: str) -> object:
    (found,) = [w for w in getattr(app.sidebar, kind) if w.label == label]
    return found


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_runs_on_the_curated_data(make_app: Callable[..., AppTest], page: str) -> None:
    app = make_app().run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title, "each page has a title"


def test_flag_filter_leaves_only_that_flags_rows_in_the_table(
    make_app: Callable[..., AppTest], data_file: Path
) -> None:
    app = make_app().run()
    app.switch_page("views/table.py").run()
    widget(app, "multiselect", "Flag state").set_value(["PA"]).run()
    wanted = expected(data_file, IncidentFilter(flags=("PA",)))
    assert wanted, "the curated data has Panama-flagged rows"
    assert table_ids(app) == wanted
    assert f"{len(wanted)} of" in app.caption[0].value
    # ... and the filter is now in the URL, so the view can be shared as a link.
    assert app.query_params["flag"] in ("PA", ["PA"])  # AppTest unwraps single values


def test_query_parameters_restore_the_filters(
    make_app: Callable[..., AppTest], data_file: Path
) -> None:
    app = make_app({"flag": ["GY"], "type": ["seizure"], "since": ["2025-12-15"]}).run()
    app.switch_page("views/table.py").run()
    assert widget(app, "multiselect", "Flag state").value == ["GY"]
    assert widget(app, "multiselect", "Event type").value == ["seizure"]
    wanted = expected(
        data_file,
        IncidentFilter(flags=("GY",), event_types=("seizure",), since=dt.date(2025, 12, 15)),
    )
    assert table_ids(app) == wanted


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ({"flag": ["XX"]}, "flag='XX'"),  # not an ISO country code
        ({"since": ["yesterday"]}, "since='yesterday'"),  # not an ISO date
        ({"type": ["<script>"]}, "type='<script>'"),  # not an event type
        ({"colour": ["red"]}, "'colour'"),  # not a filter at all
    ],
)
def test_a_bad_query_parameter_is_ignored_with_a_notice(
    make_app: Callable[..., AppTest], data_file: Path, query: dict[str, list[str]], notice: str
) -> None:
    app = make_app(query).run()
    assert not app.exception
    # The notice is escaped markdown: compare what it shows.
    shown = [re.sub(r"\\(.)", r"\1", warning.value) for warning in app.sidebar.warning]
    assert any(notice in text for text in shown)
    app.switch_page("views/table.py").run()
    assert table_ids(app) == expected(data_file, IncidentFilter())


class RecordingMediaStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media store, keeping each download's bytes by file name."""

    downloads: ClassVar[dict[str, bytes]] = {}

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        if filename:
            RecordingMediaStorage.downloads[filename] = self.get_file(file_id).content
        return file_id


def test_downloads_hold_exactly_the_filtered_rows(
    make_app: Callable[..., AppTest], data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AppTest drops its media store after each run; this one keeps what the buttons offered.
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingMediaStorage)
    RecordingMediaStorage.downloads.clear()
    app = make_app({"flag": ["GY"]}).run()
    app.switch_page("views/table.py").run()
    wanted = expected(data_file, IncidentFilter(flags=("GY",)))
    assert len(wanted) > 1
    downloads = RecordingMediaStorage.downloads
    csv_rows = list(csv.DictReader(io.StringIO(downloads["interdictions.csv"].decode())))
    assert [row["id"] for row in csv_rows] == wanted
    assert list(csv_rows[0]) == list(COLUMNS)
    geojson = json.loads(downloads["interdictions.geojson"])
    assert [feature["properties"]["id"] for feature in geojson["features"]] == wanted


def test_bad_rows_are_reported_by_line_while_good_rows_show(
    make_app: Callable[..., AppTest], data_file: Path
) -> None:
    good_ids = expected(data_file, IncidentFilter())
    with data_file.open("a", encoding="utf-8") as handle:
        handle.write("INC-9001,not-a-date" + "," * (len(COLUMNS) - 2) + "\n")
        handle.write("INC-9002,2025-12-01\n")
    lines = data_file.read_text(encoding="utf-8").count("\n")
    app = make_app().run()
    app.switch_page("views/table.py").run()
    assert not app.exception
    assert any("2 line(s)" in warning.value for warning in app.warning)
    report = "\n".join(text.value for text in app.text)
    assert f"line {lines - 1}: date" in report
    assert f"line {lines}: record" in report
    assert table_ids(app) == good_ids


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No incident file"),  # the file is missing
        ("", "is empty"),  # a zero-byte file
        ("name,when\nx,y\n", "header does not match"),  # someone else's CSV
    ],
)
def test_an_unusable_data_file_gives_a_clear_message(
    make_app: Callable[..., AppTest], data_file: Path, content: str | None, message: str
) -> None:
    if content is None:
        data_file.unlink()
    else:
        data_file.write_text(content, encoding="utf-8")
    app = make_app().run()
    assert not app.exception
    assert any(message in error.value for error in app.error)
