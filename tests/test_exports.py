"""Export formats: one registry for CLI and page; FtM and KML read back by their own libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import feedparser
import pandas as pd
import pytest
from fastkml import KML, Folder, Placemark
from geopy.distance import geodesic
from streamlit.testing.v1 import AppTest
from test_cli import run_cli

from dashboard import i18n
from dashboard.exports import EXPORTERS, EXPORTERS_BY_NAME

# followthemoney through our module: imported directly, it would raise the csv module's field
# limit for every test after this one (dashboard/exports/ftm.py puts it back).
from dashboard.exports.ftm import (
    incident_entity_id,
    model,
    registry,
    to_ftm_bytes,
    vessel_entity_id,
)
from dashboard.exports.kml import RING_SUFFIX, RINGS_FOLDER_NAME, style_id, to_kml_bytes
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.map_view import UNCERTAINTY_RADIUS_M
from dashboard.schema import EventType, LocationPrecision
from dashboard.vessel_views import vessel_keys

HOSTILE = "<script>alert(1)</script>\"'&"


def test_every_format_has_a_unique_name_and_file_name() -> None:
    names = [exporter.name for exporter in EXPORTERS]
    assert names == ["csv", "geojson", "ftm", "kml", "atom"]
    assert len({exporter.file_name for exporter in EXPORTERS}) == len(EXPORTERS)


def test_the_cli_offers_exactly_the_registry() -> None:
    run = run_cli("export", "--help")
    assert run.returncode == 0
    for exporter in EXPORTERS:
        assert exporter.name in run.stdout


def test_the_registry_imports_no_format_library_until_asked() -> None:
    # followthemoney takes seconds to import; the CLI and every page run must not pay for it.
    code = (
        "import sys, dashboard.exports, dashboard.cli; "
        "print(sorted(m for m in ('followthemoney', 'fastkml') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


# --- FollowTheMoney ------------------------------------------------------------------------


def _read_ftm(payload: bytes) -> list:
    """The entities as the followthemoney package reads them back, validated by its model."""
    entities = []
    for line in payload.decode("utf-8").splitlines():
        entity = model.get_proxy(json.loads(line), cleaned=False)
        # Re-cleaning by the model changes nothing: every value is valid for its property.
        assert model.get_proxy(entity.to_dict(), cleaned=False).to_dict() == entity.to_dict()
        entities.append(entity)
    return entities


def test_ftm_has_one_vessel_per_vessel_and_an_event_per_incident(curated: pd.DataFrame) -> None:
    entities = _read_ftm(to_ftm_bytes(curated))
    by_schema: dict[str, list] = {}
    for entity in entities:
        by_schema.setdefault(entity.schema.name, []).append(entity)
    keys = vessel_keys(curated)
    assert len(by_schema["Vessel"]) == keys.dropna().nunique()
    assert [event.id for event in by_schema["Event"]] == [
        incident_entity_id(incident_id) for incident_id in curated["id"]
    ]
    # Unnamed strike boats have no vessel: only named incidents are linked.
    assert len(by_schema["UnknownLink"]) == int(keys.notna().sum())
    assert len({entity.id for entity in entities}) == len(entities)


def test_ftm_vessel_carries_names_identifiers_and_flags(curated: pd.DataFrame) -> None:
    entities = {entity.id: entity for entity in _read_ftm(to_ftm_bytes(curated))}
    # Bella 1 was seized as Marinera under a Russian flag, after a false Guyana flag.
    marinera = entities[vessel_entity_id("imo:9230880")]
    assert marinera.get("name") == ["Marinera"]
    assert marinera.get("previousName") == ["Bella 1"]
    assert marinera.get("imoNumber") == ["IMO9230880"]
    assert marinera.get("flag") == ["ru"]
    assert marinera.get("pastFlags") == ["gy"]
    assert marinera.get("type") == ["crude tanker"]
    assert "Reported as flying a false flag: Guyana (GY)." in marinera.get("notes")[0]
    links = [
        entity
        for entity in entities.values()
        if entity.schema.name == "UnknownLink" and entity.get("subject") == [marinera.id]
    ]
    linked = sorted(entities[link.get("object")[0]].id for link in links)
    assert linked == [incident_entity_id("INC-0003"), incident_entity_id("INC-0004")]


def test_ftm_round_trip_keeps_ids_places_dates_and_sources(curated: pd.DataFrame) -> None:
    entities = {entity.id: entity for entity in _read_ftm(to_ftm_bytes(curated))}
    for incident in curated.to_dict("records"):
        event = entities[incident_entity_id(incident["id"])]
        assert event.get("date")[0].startswith(incident["date"].strftime("%Y-%m"))
        assert event.get("sourceUrl") == [source["url"] for source in incident["sources"]]
        place = entities[event.get("addressEntity")[0]]
        # As the package reads it: its address cleaning turns ";" into ",".
        assert place.get("full") == [registry.address.clean(incident["place"])]
        assert float(place.get("latitude")[0]) == incident["latitude"]
        assert float(place.get("longitude")[0]) == incident["longitude"]


def test_ftm_ids_do_not_depend_on_the_filter_or_the_order(curated: pd.DataFrame) -> None:
    whole = {json.loads(line)["id"] for line in to_ftm_bytes(curated).splitlines()}
    tankers = filter_incidents(curated, IncidentFilter(event_types=("seizure",)))
    part = {json.loads(line)["id"] for line in to_ftm_bytes(tankers[::-1]).splitlines()}
    assert part and part < whole


def test_ftm_cli_export_is_read_back_by_the_package_own_command(
    curated: pd.DataFrame, curated_copy: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.ftm.json"
    run = run_cli(
        "export", "--format", "ftm", "--flag", "PA", "--output", output, data=curated_copy
    )
    assert run.returncode == 0, run.stderr
    # `ftm validate` re-reads every entity through the model and writes it out again.
    ftm = Path(sys.executable).with_name("ftm")
    checked = subprocess.run([ftm, "validate", "-i", output], capture_output=True, check=True)
    again = [json.loads(line) for line in checked.stdout.decode().splitlines()]
    mine = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(e["id"], e["properties"]) for e in again] == [(e["id"], e["properties"]) for e in mine]
    events = [entity["id"] for entity in mine if entity["schema"] == "Event"]
    panama = curated[curated["flag"] == "PA"]["id"]
    assert events == [incident_entity_id(incident_id) for incident_id in panama]


# --- KML -------------------------------------------------------------------------------------


def _parse_kml(payload: bytes) -> KML:
    text = payload.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return KML.from_string(text.split("\n", 1)[1])


def _placemarks(feature) -> list[Placemark]:
    found = []
    for child in getattr(feature, "features", ()):
        found.extend([child] if isinstance(child, Placemark) else _placemarks(child))
    return found


def test_kml_round_trip_keeps_ids_and_coordinates(curated: pd.DataFrame) -> None:
    document = next(iter(_parse_kml(to_kml_bytes(curated)).features))
    points = {
        placemark.id: placemark.geometry.coords[0]
        for placemark in _placemarks(document)
        if not placemark.id.endswith(RING_SUFFIX)
    }
    assert points == {
        row["id"]: (row["longitude"], row["latitude"]) for row in curated.to_dict("records")
    }


def test_kml_has_a_styled_folder_per_event_type_with_rings(curated: pd.DataFrame) -> None:
    document = next(iter(_parse_kml(to_kml_bytes(curated)).features))
    assert {style.id for style in document.styles} == {style_id(event) for event in EventType}
    present = [event for event in EventType if (curated["event_type"] == event.value).any()]
    folders = list(document.features)
    assert [folder.id for folder in folders] == [f"{style_id(e)}-folder" for e in present]
    for folder, event in zip(folders, present, strict=True):
        rows = curated[curated["event_type"] == event.value]
        marks = [child for child in folder.features if isinstance(child, Placemark)]
        assert {mark.id for mark in marks} == set(rows["id"])
        assert {mark.style_url.url for mark in marks} == {f"#{style_id(event)}"}
        rings = [child for child in folder.features if isinstance(child, Folder)]
        uncertain = rows[rows["location_precision"].astype(str) != LocationPrecision.EXACT]
        if len(uncertain):
            assert [ring_folder.name for ring_folder in rings] == [RINGS_FOLDER_NAME]
            assert {ring.id for ring in rings[0].features} == {
                incident_id + RING_SUFFIX for incident_id in uncertain["id"]
            }


def test_kml_ring_lies_at_its_radius(curated: pd.DataFrame) -> None:
    row = curated[curated["location_precision"].astype(str) == "region"].iloc[0]
    document = next(iter(_parse_kml(to_kml_bytes(curated.loc[[row.name]])).features))
    ring = next(mark for mark in _placemarks(document) if mark.id.endswith(RING_SUFFIX))
    radius = UNCERTAINTY_RADIUS_M[LocationPrecision.REGION]
    coords = ring.geometry.exterior.coords
    assert len(coords) == 65 and coords[0] == coords[-1]
    for longitude, latitude, *_ in coords:
        # Leaflet's spherical circle, as the map draws it: within 1 % of the WGS-84 distance.
        distance = geodesic((row["latitude"], row["longitude"]), (latitude, longitude)).meters
        assert distance == pytest.approx(radius, rel=1e-2)


def test_kml_balloon_is_the_map_popup_with_hostile_text_as_text(curated: pd.DataFrame) -> None:
    frame = curated.head(1).copy()
    frame["vessel_name"] = HOSTILE
    frame["summary"] = HOSTILE
    payload = to_kml_bytes(frame)
    assert b"<script>" not in payload
    placemarks = _placemarks(next(iter(_parse_kml(payload).features)))
    placemark = next(mark for mark in placemarks if mark.id == frame["id"].iloc[0])
    # After one XML parse the balloon is the popup's HTML, the data still escaped inside it.
    assert "<script>" not in placemark.description
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in placemark.description
    assert placemark.description.startswith('<div class="incident-popup"')


@pytest.mark.parametrize("name", ["ftm", "kml"])
def test_new_formats_export_nothing_as_a_valid_empty_file(curated: pd.DataFrame, name: str) -> None:
    payload = EXPORTERS_BY_NAME[name].render(curated.iloc[0:0])
    if name == "ftm":
        assert payload == b""
    else:
        assert list(next(iter(_parse_kml(payload).features)).features) == []


@pytest.mark.parametrize("name", ["kml", "atom"])
def test_cli_exports_kml_and_atom_with_the_same_filters(
    curated: pd.DataFrame, curated_copy: Path, name: str
) -> None:
    run = run_cli("export", "--format", name, "--flag", "GY", data=curated_copy)
    assert run.returncode == 0, run.stderr
    guyana = curated[curated["flag"] == "GY"]
    if name == "kml":
        document = next(iter(_parse_kml(run.stdout.encode()).features))
        marks = {m.id for m in _placemarks(document) if not m.id.endswith(RING_SUFFIX)}
        assert marks == set(guyana["id"])
    else:
        parsed = feedparser.parse(run.stdout.encode())
        assert not parsed.bozo
        assert {entry.link.rsplit("=", 1)[1] for entry in parsed.entries} == set(guyana["id"])


def test_an_ftm_export_leaves_the_csv_field_limit_alone() -> None:
    # The store's hostile-file checks and its write guard rely on the standard 128 KB limit.
    code = (
        "import csv; before = csv.field_size_limit(); import dashboard.exports.ftm; "
        "print(before == csv.field_size_limit())"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True"


@pytest.mark.parametrize(("lang", "prefix"), [("en", "Download "), ("es", "Descargar ")])
def test_the_table_page_offers_every_format(app_data: Path, lang: str, prefix: str) -> None:
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py"))
    app.query_params["lang"] = [lang]
    app.run(timeout=60)
    app.switch_page("views/table.py").run(timeout=60)
    assert not app.exception, [e.value for e in app.exception]
    labels = [element.proto.label for element in app.get("download_button")]
    i18n.set_language(lang)
    try:
        assert labels == [prefix + i18n._(exporter.label) for exporter in EXPORTERS]
    finally:
        i18n.set_language("en")


# --- an optional format whose package is missing ------------------------------------------------


@pytest.fixture
def ftm_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The FtM exporter as a machine without followthemoney sees it."""
    import dataclasses

    from dashboard import cli, exports

    missing = dataclasses.replace(EXPORTERS_BY_NAME["ftm"], requires="no_such_package_installed")
    monkeypatch.setitem(exports.EXPORTERS_BY_NAME, "ftm", missing)
    monkeypatch.setattr(
        exports,
        "EXPORTERS",
        tuple(missing if exporter.name == "ftm" else exporter for exporter in EXPORTERS),
    )
    monkeypatch.setattr(cli, "EXPORTERS_BY_NAME", exports.EXPORTERS_BY_NAME)


def test_an_exporter_is_available_only_with_its_package() -> None:
    assert EXPORTERS_BY_NAME["csv"].is_available  # needs nothing beyond the dashboard
    assert EXPORTERS_BY_NAME["ftm"].is_available  # the test requirements install it
    import dataclasses

    absent = dataclasses.replace(EXPORTERS_BY_NAME["ftm"], requires="no_such_package_installed")
    assert not absent.is_available


def test_cli_says_in_one_line_how_to_enable_a_missing_format(
    ftm_not_installed: None, curated_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dashboard import cli

    assert cli.main(["--data", str(curated_copy), "export", "--format", "ftm"]) == 1
    error = capsys.readouterr().err.strip()
    assert "requirements-ftm.txt" in error
    assert len(error.splitlines()) == 1


def test_table_page_offers_a_missing_format_as_a_disabled_button_saying_why(
    ftm_not_installed: None, app_data: Path
) -> None:
    at = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py"))
    at.switch_page("views/table.py").run(timeout=60)
    assert not at.exception
    (button,) = [button for button in at.button if button.key == "download_ftm"]
    assert button.disabled
    assert "requirements-ftm.txt" in button.help
