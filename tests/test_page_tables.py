"""AppTest checks of the table and vessel pages' wording and links (issue 9)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.store import load_incidents

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def run_app(query: dict[str, list[str]] | None = None, page: str | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    for name, values in (query or {}).items():
        app.query_params[name] = values
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_table_leads_with_vessel_and_date_and_shows_confidence(app_data: Path) -> None:
    incidents = load_incidents(app_data).incidents
    table = run_app(page="views/table.py").dataframe[0].value
    assert list(table.columns[:5]) == ["Vessel", "Date", "Event", "Flag", "Verification"]
    assert {"Date precision", "Location precision", "Notes", "Disputed"} <= set(table.columns)
    skipper = table[table["ID"] == "INC-0001"].iloc[0]
    assert skipper["Notes"] == incidents.set_index("id").loc["INC-0001", "notes"]
    # Sources by outlet, in the order the row lists them.
    assert skipper["Sources"].startswith("Voz · ")
    # Empty is empty: no "None" or "nan" where the data has nothing.
    text = table.drop(columns=["Date", "More source links"]).astype(str)
    assert not text.isin(["None", "nan", "NaT", "<NA>"]).any().any()
    assert skipper["MMSI"] == ""


def test_the_vessels_page_opens_on_the_vessel_a_link_names(app_data: Path) -> None:
    app = run_app({"imo": ["9230880"]}, page="views/vessels.py")
    (picker,) = [box for box in app.selectbox if box.label == "Vessel"]
    assert picker.value == "imo:9230880"
    history = app.dataframe[0].value
    assert set(history["Vessel"]) == {"Bella 1", "Marinera"}
    # The notes on conflicting reports travel with each incident.
    notes = load_incidents(app_data).incidents.set_index("id")["notes"]
    assert list(history["Notes"]) == [notes[incident_id] for incident_id in history["ID"]]
    assert "Verification" in history.columns
    # Picking another vessel makes the address bar that vessel's link.
    picker.set_value("imo:9304667").run()
    assert app.query_params["imo"] in ("9304667", ["9304667"])


def test_a_link_to_an_unknown_vessel_says_so(app_data: Path) -> None:
    app = run_app({"imo": ["1234567"]}, page="views/vessels.py")
    assert any(
        "No vessel" in warning.value and "1234567" in warning.value for warning in app.warning
    )
