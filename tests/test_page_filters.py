"""AppTest checks of the shared filters (issue 9): open date range, "disputed", empty states."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.schema import validate_draft
from dashboard.store import AddedVia, append_incident, load_incidents
from tests.incident_samples import draft_fields

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES_WITH_ROWS = ["views/map.py", "views/table.py", "views/timeline.py", "views/vessels.py"]


def run_app(query: dict[str, list[str]] | None = None, page: str | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    for name, values in (query or {}).items():
        app.query_params[name] = values
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def table_ids(app: AppTest) -> list[str]:
    return list(app.dataframe[0].value["ID"])


def mark_disputed(data_file: Path, incident_id: str, columns: str) -> None:
    """Set one row's disputed_fields in the test's copy of the data."""
    with data_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["id"] == incident_id:
            row["disputed_fields"] = columns
    with data_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_the_date_range_starts_open_and_puts_no_bound_in_the_url(app_data: Path) -> None:
    app = run_app(page="views/table.py")
    (dates,) = [w for w in app.sidebar.date_input if w.label == "Date range"]
    assert dates.value == ()
    assert "since" not in app.query_params and "until" not in app.query_params


def test_an_incident_added_later_in_the_session_is_still_shown(app_data: Path) -> None:
    app = run_app(page="views/table.py")
    before = table_ids(app)
    # Dated after every incident the session first saw (issue 9: a bound appeared and hid it).
    incidents = load_incidents(app_data).incidents
    last = max(incidents["date"].max(), incidents["end_date"].max()).date()
    later = last + dt.timedelta(days=1)
    draft = validate_draft(draft_fields(date=later.isoformat(), vessel_name="Late Arrival"))
    added = append_incident(draft, added_by="test", added_via=AddedVia.FORM, path=app_data)
    app.run()
    assert table_ids(app) == [*before, added.id]
    assert "until" not in app.query_params


def test_the_disputed_filter_from_a_link_keeps_only_disputed_incidents(app_data: Path) -> None:
    mark_disputed(app_data, "INC-0002", "false_flag")
    incidents = load_incidents(app_data).incidents
    disputed = list(incidents.loc[incidents["disputed_fields"].map(len) > 0, "id"])
    assert "INC-0002" in disputed and len(disputed) < len(incidents)
    app = run_app({"disputed": ["yes"]}, page="views/table.py")
    (box,) = [w for w in app.sidebar.checkbox if w.label == "Only disputed incidents"]
    assert box.value is True
    assert table_ids(app) == disputed
    box.uncheck().run()
    assert len(table_ids(app)) > len(disputed)
    assert "disputed" not in app.query_params


@pytest.mark.parametrize("page", PAGES_WITH_ROWS)
def test_a_filter_with_no_results_says_so_and_clears(app_data: Path, page: str) -> None:
    app = run_app({"q": ["no such vessel anywhere"]}, page=page)
    assert any("No incidents match the filters" in info.value for info in app.info)
    # Beside the message on the page, and (on every page) in the sidebar.
    clear = [button for button in app.button if button.label == "Clear filters"]
    assert clear
    clear[0].click().run()
    assert not any("No incidents match" in info.value for info in app.info)
    assert "q" not in app.query_params
    (search,) = [w for w in app.sidebar.text_input if w.label == "Search vessels"]
    assert search.value == ""


def test_a_permalink_parameter_survives_the_filters(app_data: Path) -> None:
    app = run_app({"incident": ["INC-0002"], "flag": ["PA"]})
    assert app.query_params["incident"] in ("INC-0002", ["INC-0002"])
    assert app.query_params["flag"] in ("PA", ["PA"])
    assert not app.sidebar.warning  # no "ignored parameter" notice
    assert any("INC-0002" in block.value for block in app.code)
